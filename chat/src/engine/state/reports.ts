// The reports slice: this user's filed reports and the moderators' notices, as last fetched (kept in memory only:
// the server holds them).
import type { NoticeJson, ReportSummaryJson } from '@franking-chat/sdk';
import type { SnapshotStore } from './snapshot.ts';

export class Reports {
  constructor(private readonly snapshot: SnapshotStore) {}

  notices(): readonly NoticeJson[] {
    return this.snapshot.get().notices;
  }

  setReports(reports: readonly ReportSummaryJson[]): void {
    this.snapshot.set({ reports });
  }

  setNotices(notices: readonly NoticeJson[]): void {
    this.snapshot.set({ notices });
  }
}
