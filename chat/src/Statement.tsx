// The statement of reasons for a decision about this account (EU DSA Art. 17) — which policy, what action and
// for how long, which messages, whether a person decided, and how to appeal — with the appeal form (Art. 20).
import { useState } from 'react';
import type { ChatEngine, Snapshot } from './engine.ts';
import type { NoticeJson } from './notices.ts';
import { StaffBadge } from './StaffBadge.tsx';
import { errorText } from './wording.ts';

type Statement = {
  policy: { name: string }; action: 'warn' | 'suspend' | 'ban'; end_date_account_restriction: string | null; decision_facts: string;
  incompatible_content_explanation: string; messages: Array<{ messageId: string; sentAt: string | null }>; decided_by_person: boolean;
  appeal: { until: string; how: string };
};
const ACTION_WORDS = { warn: 'Warning', suspend: 'Suspension', ban: 'Ban' } as const;

export function StatementOfReasons({ engine, snap }: { engine: ChatEngine; snap: Snapshot }) {
  const own = snap.notices.filter((n) => n.kind === 'warning' || n.kind === 'suspension' || n.kind === 'ban');
  const decision = own[own.length - 1];
  const outcome = [...snap.notices].reverse().find((n) => n.kind === 'appeal_outcome');
  if (!decision?.statement || !('policy' in decision.statement)) return null;
  const st = decision.statement as unknown as Statement;
  const appealable = new Date(st.appeal.until).getTime() > Date.now();
  const decidedAfter = outcome && outcome.id > decision.id;
  return (
    <section className="statement" aria-labelledby={`sor-${decision.id}`}>
      <h2 id={`sor-${decision.id}`}>
        <StaffBadge /> Statement of reasons
      </h2>
      <dl>
        <dt>Decision</dt>
        <dd>{ACTION_WORDS[st.action]}{st.action === 'suspend' ? (st.end_date_account_restriction ? ` until ${new Date(st.end_date_account_restriction).toLocaleString()}` : ' until further notice') : ''}</dd>
        <dt>Policy</dt>
        <dd><strong>{st.policy.name}</strong>: {st.incompatible_content_explanation}</dd>
        <dt>Your messages concerned</dt>
        <dd>{st.messages.map((m) => (m.sentAt ? `sent ${new Date(m.sentAt).toLocaleString()}` : m.messageId)).join('; ')}</dd>
        <dt>Decided by</dt>
        <dd>{st.decided_by_person ? 'a person on the moderation team' : 'an automated system'}</dd>
      </dl>
      <p className="facts">{st.decision_facts}</p>
      {decidedAfter ? (
        <p role="status"><strong>{outcome.appealResult === 'overturned' ? 'Your appeal was accepted: the decision was reversed.' : 'Your appeal was reviewed by another moderator, who confirmed the decision.'}</strong></p>
      ) : appealable ? (
        <AppealForm engine={engine} notice={decision} until={st.appeal.until} />
      ) : (
        <p className="sub">The appeal window closed on {new Date(st.appeal.until).toLocaleString()}.</p>
      )}
    </section>
  );
}

function AppealForm({ engine, notice, until }: { engine: ChatEngine; notice: NoticeJson; until: string }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [state, setState] = useState<{ kind: 'idle' | 'sending' | 'sent' | 'error'; message?: string }>({ kind: 'idle' });
  if (state.kind === 'sent') return <p role="status">Appeal sent. A different moderator will review it; you will see the outcome here.</p>;
  if (!open)
    return (
      <p>
        You can appeal until {new Date(until).toLocaleString()}.{' '}
        <button type="button" onClick={() => setOpen(true)}>Appeal this decision</button>
      </p>
    );
  return (
    <form
      className="appeal"
      onSubmit={(e) => {
        e.preventDefault();
        setState({ kind: 'sending' });
        engine.appeal(notice.id, text.trim()).then(
          () => setState({ kind: 'sent' }),
          (err: unknown) => setState({ kind: 'error', message: errorText(err) }),
        );
      }}
    >
      <label htmlFor={`appeal-${notice.id}`}>Why is this decision wrong? Only the moderators read this.</label>
      <textarea id={`appeal-${notice.id}`} value={text} onChange={(e) => setText(e.target.value)} maxLength={4000} rows={4} required />
      <div className="row">
        <button type="submit" disabled={!text.trim() || state.kind === 'sending'}>Send appeal</button>
        <button type="button" onClick={() => setOpen(false)}>Cancel</button>
      </div>
      {state.kind === 'error' && <p className="error" role="alert">Could not send the appeal: {state.message}</p>}
    </form>
  );
}
