// Issue-14 parts of the report page, kept apart from ReportView.tsx: the policy every decision cites, and a
// panel with routing (queue, priority, time waited), escalation, assignment, the case, the reporter's track
// record, lifting a restriction early, and (admins) the signed evidence export.
import { useEffect, useState } from 'react';
import type { Route } from './routes.ts';
import { ApiError, call, fmtDuration, fmtTime, type Me, operationPath, type ReportDetail } from './api.ts';
import { EvidenceExport } from './EvidenceExport.tsx';
import { type Policy, waited } from './modTypes.ts';

let policyCache: Promise<Policy[]> | null = null;
export function usePolicies(): Policy[] {
  const [p, setP] = useState<Policy[]>([]);
  useEffect(() => {
    policyCache ??= call('listPolicies').then((r) => r.policies).catch(() => {
      policyCache = null;
      return [];
    });
    void policyCache.then(setP);
  }, []);
  return p;
}
export const forgetPolicies = () => void (policyCache = null);

/** The cited policy (required): preselected as the one named like the report's category when there is one. */
export function PolicySelect({ value, onChange, category }: { value: string; onChange: (v: string) => void; category: string }) {
  const policies = usePolicies().filter((p) => !p.archived);
  useEffect(() => {
    if (!value && policies.some((p) => p.id === category)) onChange(category);
  }, [value, policies, category, onChange]);
  return (
    <label>
      Policy cited (required)
      <select value={value} onChange={(e) => onChange(e.target.value)} required aria-required="true">
        <option value="">— choose a policy —</option>
        {policies.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
      </select>
    </label>
  );
}

export function ReportExtras({ d, me, navigate, reload, say }: { d: ReportDetail; me: Me; navigate: (r: Route) => void; reload: () => Promise<void>; say: (s: string) => void }) {
  const [to, setTo] = useState('');
  const [why, setWhy] = useState('');
  const r = d.report;
  const resolved = r.status === 'resolved';
  const role = me.moderator.role as string;
  const act = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      say(label);
      await reload();
    } catch (e) {
      say(e instanceof ApiError ? `${e.detail} (${e.code})` : 'Request failed.');
    }
  };
  const restricted = d.accused.status === 'suspended' || d.accused.status === 'banned';
  return (
    <section className="panel" aria-labelledby="routing-title">
      <h2 id="routing-title">Routing and case</h2>
      <p>
        Queue <strong>{r.queue}</strong>, priority {r.priority}{!resolved && <> · waiting {fmtDuration(waited(r.createdAt))}</>}
        {r.caseId && <> · <a href={`/dashboard/cases/${r.caseId}`} onClick={(e) => { e.preventDefault(); navigate({ page: 'case', id: r.caseId as string }); }}>case</a></>}
      </p>
      <p>Reporter track record: {d.reporter.upheldShare === null ? 'no decided reports yet' : `${Math.round(d.reporter.upheldShare * 100)}% of ${d.reporter.decided} decided reports upheld`}.</p>
      {r.policy && <p>Decision cited policy: <strong>{r.policy.name}</strong>.</p>}
      {r.contentPurgedAt && <p className="muted">Revealed content deleted by retention on {fmtTime(r.contentPurgedAt)}.</p>}
      {!resolved && (
        <form onSubmit={(e) => e.preventDefault()}>
          <label>Escalation reason (optional)<input value={why} onChange={(e) => setWhy(e.target.value)} maxLength={4000} /></label>
          <button type="button" onClick={() => void act('Escalated to the escalation queue.', () => call('escalateReport', { params: { reportId: r.id }, body: why.trim() ? { reason: why.trim() } : {} }))}>Escalate</button>
          {role !== 'triage' && (
            <>
              <label>Assign to (staff login)<input value={to} onChange={(e) => setTo(e.target.value)} placeholder="e.g. alice" pattern="[a-z0-9][a-z0-9._-]{1,31}" /></label>
              <button type="button" disabled={!to} onClick={() => void act(`Assigned to ${to}.`, () => call('assignReport', { params: { reportId: r.id }, body: { to: `staff:${to}` } }))}>Assign</button>
            </>
          )}
        </form>
      )}
      {restricted && role !== 'triage' && (
        <button type="button" onClick={() => void act('Restriction lifted: the account can send again.', () => call('setAccountStatus', { params: { userId: d.accused.id }, body: { status: 'active', reason: 'lifted early from the dashboard' } }))}>
          Lift {d.accused.status === 'banned' ? 'ban' : 'suspension'} now
        </button>
      )}
      {role === 'admin' && !r.contentPurgedAt && (
        <EvidenceExport path={operationPath('exportReportEvidence', { reportId: r.id })} what={`report ${r.id}`} say={say} />
      )}
    </section>
  );
}
