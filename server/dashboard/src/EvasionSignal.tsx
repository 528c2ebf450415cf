// The registration network signal and the "ban evasion" action on the report page (docs/MODERATION.md
// "Registration network signal", "Ban evasion"): accounts suspended or banned in the last 30 days that registered
// from the same network as the accused, each with the decision that actioned it, and — for moderators — a ban for
// ban evasion that cites that decision.
import { useEffect, useState } from 'react';
import { ApiError, type Me, call, fmtTime } from './api.ts';
import { usePolicies } from './ReportExtras.tsx';

interface OriginalDecision {
  eventId: number;
  accountId: string;
  action: 'suspended' | 'banned';
  at: string;
  reportId: string | null;
  statementId: string | null;
}

const decisionRef = (m: OriginalDecision) => m.statementId ?? `event ${m.eventId}`;

export function EvasionSignal({ accountId, standing, me, onBanned }: { accountId: string; standing: string; me: Me; onBanned: () => void }) {
  const [matches, setMatches] = useState<OriginalDecision[] | null>(null);
  const [confirm, setConfirm] = useState<OriginalDecision | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const policies = usePolicies().filter((p) => !p.archived);
  const policyId = policies.some((p) => p.id === 'ban_evasion') ? 'ban_evasion' : (policies[0]?.id ?? '');
  useEffect(() => {
    let live = true;
    call('getEvasionSignals', { params: { userId: accountId } })
      .then((r) => live && setMatches(r.networkMatches), () => live && setMatches([]));
    return () => void (live = false);
  }, [accountId]);
  if (!matches?.length) return null;
  const canAct = me.moderator.role !== 'triage' && standing !== 'banned';

  async function ban(m: OriginalDecision) {
    try {
      await call('banForEvasion', { params: { userId: accountId }, body: { originalDecisionId: m.eventId, policyId } });
      setStatus(`${accountId} is banned for ban evasion, citing decision ${decisionRef(m)}.`);
      setConfirm(null);
      onBanned();
    } catch (e) {
      setStatus(e instanceof ApiError ? e.detail : String(e));
    }
  }

  return (
    <section aria-labelledby="evasion-title" className="panel" data-testid="evasion-signal">
      <h2 id="evasion-title">Possible ban evasion</h2>
      <ul className="plain">
        {matches.map((m) => (
          <li key={m.eventId}>
            Shares a registration network with <code>{m.accountId}</code>, {m.action} on {fmtTime(m.at)} (decision <code>{decisionRef(m)}</code>).{' '}
            {canAct && confirm?.eventId !== m.eventId && (
              <button type="button" onClick={() => setConfirm(m)}>Ban for ban evasion…</button>
            )}
            {confirm?.eventId === m.eventId && (
              <span role="group" aria-label="Confirm ban for ban evasion">
                {' '}Ban <code>{accountId}</code> citing that decision (policy <code>{policyId || 'none'}</code>)?{' '}
                <button type="button" className="danger" disabled={!policyId} onClick={() => void ban(m)}>Ban</button>{' '}
                <button type="button" onClick={() => setConfirm(null)}>Cancel</button>
              </span>
            )}
          </li>
        ))}
      </ul>
      <p className="muted">A hint, not proof: many people share a network (mobile carriers, offices, VPNs). Network hashes are kept 30 days.</p>
      {status && <p role="status">{status}</p>}
    </section>
  );
}
