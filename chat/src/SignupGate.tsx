// The parts of sign-up that depend on the server's registration gate (docs/MODERATION.md "Registration gate"):
// an invite-code field (gate "invite") and the progress of the anti-spam proof of work (gate "pow"), which runs
// in a Web Worker (./pow.ts) so the page stays responsive.
import type { PowProgress } from './pow.ts';

export function InviteField({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor="invite">Invite code</label>
      <input
        id="invite"
        name="invite"
        autoComplete="off"
        required
        spellCheck={false}
        maxLength={64}
        placeholder="inv_…"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby="invite-hint"
      />
      <p id="invite-hint" className="hint">
        This server is invite-only. Each code creates one account.
      </p>
    </div>
  );
}

export function PowStatus({ progress }: { progress: PowProgress }) {
  // tried / maxNumber is the share of the worst case done; most checks finish around halfway.
  const pct = Math.min(99, Math.floor((progress.tried / progress.maxNumber) * 100));
  return (
    <div className="pow-status" role="status" aria-live="polite">
      <progress max={100} value={pct} aria-label="Anti-spam check" />
      <p className="hint">
        Anti-spam check in this browser: {pct}% of the longest it can take ({Math.round(progress.elapsedMs / 1000)} s). Nothing is sent
        until it is done; on a phone it takes a few seconds.
      </p>
    </div>
  );
}
