// "Last active" on the chat's Linked devices page (chat/src/engine/device-activity.ts, docs/PROTOCOL-devices.md D8.3):
// read from a running server through the SDK, and worded by the calendar day in this browser's time zone — never the
// time of day; the device reading the page is "now".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@franking-chat/sdk';
import { lastActiveText, readLastSeen } from '../../chat/src/engine/device-activity.ts';
import { devicePerson } from '../server/_device-report.ts';
import { startTestServer, type TestServer } from '../server/_harness.ts';

describe('lastActiveText', () => {
  // Local times: "today" is the reader's day, whatever the time zone the test runs in.
  const now = new Date(2026, 11, 7, 9, 30);
  it.each([
    ['this device, whatever the server says', new Date(2026, 0, 1).toISOString(), true, 'now'],
    ['this device before the server answered', undefined, true, 'now'],
    ['earlier today', new Date(2026, 11, 7, 0, 10).toISOString(), false, 'today'],
    ['a little ahead of this clock', new Date(2026, 11, 7, 9, 40).toISOString(), false, 'today'],
    ['late yesterday', new Date(2026, 11, 6, 23, 50).toISOString(), false, 'yesterday'],
    ['early yesterday', new Date(2026, 11, 6, 0, 0).toISOString(), false, 'yesterday'],
    ['four days ago', new Date(2026, 11, 3, 12, 0).toISOString(), false, '3 Dec 2026'],
    ['last year', new Date(2025, 6, 14, 8, 0).toISOString(), false, '14 Jul 2025'],
    ['never seen', null, false, 'not yet'],
    ['not answered', undefined, false, 'not yet'],
  ])('%s', (_name, lastSeenAt, thisDevice, words) => {
    expect(lastActiveText(lastSeenAt, thisDevice, now)).toBe(words);
  });

  it('never shows the time of day', () => {
    const text = lastActiveText(new Date(2026, 10, 20, 17, 42).toISOString(), false, now);
    expect(text).toBe('20 Nov 2026');
    expect(text).not.toMatch(/\d{1,2}:\d{2}/);
  });
});

describe('readLastSeen against the server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.stop());

  it('gives each current device\'s time (a device that only signed in: null)', async () => {
    const p = await devicePerson(srv.url, 'chat-seen', 2);
    const seen = await readLastSeen(new ApiClient({ baseUrl: srv.url, token: p.tokens.get(1)! }));
    expect(seen && [...seen.keys()]).toEqual([1, 2]);
    expect(typeof seen?.get(1)).toBe('string');
    expect(seen?.get(2)).toBeNull();
    expect(lastActiveText(seen?.get(1), false)).toBe('today');
  });

  it('is null when the server cannot answer (the page then shows no "last active")', async () => {
    expect(await readLastSeen(new ApiClient({ baseUrl: srv.url, token: 'A'.repeat(43) }))).toBeNull();
    expect(await readLastSeen(new ApiClient({ baseUrl: 'http://127.0.0.1:1', token: 'A'.repeat(43) }))).toBeNull();
  });
});
