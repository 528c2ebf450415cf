// Policy catalog, statement-of-reasons templates and routing rules. Everyone on staff reads them; admins edit
// (each change is an event in the audit log).
import { useCallback, useEffect, useState } from 'react';
import { ApiError, CATEGORIES, type Me, call } from './api.ts';
import { forgetPolicies } from './ReportExtras.tsx';
import type { Policy, Rule, Template } from './modTypes.ts';

const DSA = ['STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH', 'STATEMENT_CATEGORY_VIOLENCE', 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD', 'STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT',
  'STATEMENT_CATEGORY_SELF_HARM', 'STATEMENT_CATEGORY_PROTECTION_OF_MINORS', 'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS', 'STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE'];

const describeConditions = (c: Rule['conditions']) => [
  c.categories && `category ${c.categories.join(' or ')}`,
  c.verdict && `${c.verdict}`,
  c.accusedUpheldAtLeast !== undefined && `accused has ≥ ${c.accusedUpheldAtLeast} upheld`,
  c.accusedUpheldAtMost !== undefined && `accused has ≤ ${c.accusedUpheldAtMost} upheld`,
  c.reporterRecordBelow !== undefined && `reporter record < ${Math.round(c.reporterRecordBelow * 100)}%`,
  c.reporterRecordAtLeast !== undefined && `reporter record ≥ ${Math.round(c.reporterRecordAtLeast * 100)}%`,
].filter(Boolean).join(', ') || 'every report';

export function Policies({ me, onAuthError }: { me: Me; onAuthError: (e: unknown) => void }) {
  const admin = me.moderator.role === 'admin';
  const [policies, setPolicies] = useState<Policy[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [placeholders, setPlaceholders] = useState<string[]>([]);
  const [rules, setRules] = useState<Rule[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [np, setNp] = useState({ id: '', name: '', description: '', defaultAction: 'warn', dsaCategory: DSA[0] as string });
  const [nr, setNr] = useState({ name: '', category: '', queue: '', priority: '50' });
  const load = useCallback(async () => {
    try {
      const [p, t, r] = await Promise.all([
        call('listPolicies'),
        call('listStatementTemplates'),
        call('listRoutingRules'),
      ]);
      setPolicies(p.policies);
      setTemplates(t.templates);
      setPlaceholders(t.placeholders);
      setRules(r.rules);
    } catch (e) {
      onAuthError(e);
      setStatus(e instanceof ApiError ? e.detail : 'Could not load the catalog.');
    }
  }, [onAuthError]);
  useEffect(() => void load(), [load]);
  const act = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      forgetPolicies();
      setStatus(label);
      await load();
    } catch (e) {
      setStatus(e instanceof ApiError ? `${e.detail} (${e.code})` : 'Request failed.');
    }
  };
  return (
    <section aria-labelledby="pol-title">
      <h1 id="pol-title">Policies, statements and routing</h1>
      {status && <p className="status-line" role="status">{status}</p>}
      <table>
        <caption>Policy catalog: every decision cites one</caption>
        <thead><tr><th scope="col">Policy</th><th scope="col">Description</th><th scope="col">Default action</th><th scope="col">DSA category</th>{admin && <th scope="col">Manage</th>}</tr></thead>
        <tbody>
          {policies.map((p) => (
            <tr key={p.id}>
              <td><strong>{p.name}</strong> <code>{p.id}</code>{p.archived && <> <span className="badge">archived</span></>}</td>
              <td>{p.description}</td>
              <td>{p.defaultAction}{p.defaultSuspendHours ? ` ${p.defaultSuspendHours} h` : ''}</td>
              <td><code>{p.dsaCategory.replace('STATEMENT_CATEGORY_', '')}</code></td>
              {admin && <td><button type="button" onClick={() => void act(p.archived ? `Restored ${p.name}.` : `Archived ${p.name}.`, () => call('updatePolicy', { params: { policyId: p.id }, body: { archived: !p.archived } }))}>{p.archived ? 'Restore' : 'Archive'} <span className="sr-only">{p.name}</span></button></td>}
            </tr>
          ))}
        </tbody>
      </table>
      {admin && (
        <form className="panel" onSubmit={(e) => { e.preventDefault(); void act(`Added policy ${np.name}.`, () => call('createPolicy', { body: { ...np, defaultAction: np.defaultAction as Policy['defaultAction'], dsaCategory: np.dsaCategory as Policy['dsaCategory'] } })); }}>
          <h2>Add a policy</h2>
          <label>Id<input value={np.id} onChange={(e) => setNp({ ...np, id: e.target.value })} required pattern="[a-z0-9][a-z0-9_-]{1,47}" /></label>
          <label>Name<input value={np.name} onChange={(e) => setNp({ ...np, name: e.target.value })} required /></label>
          <label>Description<textarea value={np.description} onChange={(e) => setNp({ ...np, description: e.target.value })} required /></label>
          <label>Default action<select value={np.defaultAction} onChange={(e) => setNp({ ...np, defaultAction: e.target.value })}>{['dismiss', 'warn', 'suspend', 'ban'].map((a) => <option key={a}>{a}</option>)}</select></label>
          <label>DSA category<select value={np.dsaCategory} onChange={(e) => setNp({ ...np, dsaCategory: e.target.value })}>{DSA.map((c) => <option key={c} value={c}>{c.replace('STATEMENT_CATEGORY_', '')}</option>)}</select></label>
          <button type="submit">Add policy</button>
        </form>
      )}

      <h2>Statement-of-reasons templates</h2>
      <p className="muted">Placeholders: {placeholders.map((p) => `{${p}}`).join(' ')}</p>
      {templates.map((t) => <TemplateEditor key={t.action} t={t} admin={admin} onSave={(body) => act(`Saved the ${t.action} template.`, () => call('putStatementTemplate', { params: { action: t.action }, body: { body } }))} />)}

      <table>
        <caption>Routing rules, in evaluation order: the first enabled match picks the queue</caption>
        <thead><tr><th scope="col">#</th><th scope="col">Rule</th><th scope="col">When</th><th scope="col">Queue</th><th scope="col">Priority</th><th scope="col">State</th></tr></thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id}>
              <td>{r.position}</td><td>{r.name}</td><td>{describeConditions(r.conditions)}</td><td>{r.queue}</td><td>{r.priority}</td>
              <td>{admin ? <button type="button" onClick={() => void act(`${r.enabled ? 'Disabled' : 'Enabled'} ${r.name}.`, () => call('updateRoutingRule', { params: { ruleId: r.id }, body: { enabled: !r.enabled } }))}>{r.enabled ? 'Disable' : 'Enable'} <span className="sr-only">{r.name}</span></button> : r.enabled ? 'enabled' : 'disabled'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {admin && (
        <form className="panel" onSubmit={(e) => {
          e.preventDefault();
          void act(`Added rule ${nr.name}.`, () => call('createRoutingRule', {
            body: {
              name: nr.name, position: (rules.at(-1)?.position ?? 0) + 10, conditions: nr.category ? { categories: [nr.category as (typeof CATEGORIES)[number]] } : {}, queue: nr.queue, priority: Number(nr.priority),
            },
          }));
        }}>
          <h2>Add a routing rule</h2>
          <label>Name<input value={nr.name} onChange={(e) => setNr({ ...nr, name: e.target.value })} required /></label>
          <label>Category (empty: any)<select value={nr.category} onChange={(e) => setNr({ ...nr, category: e.target.value })}><option value="">any</option>{CATEGORIES.map((c) => <option key={c}>{c}</option>)}</select></label>
          <label>Queue<input value={nr.queue} onChange={(e) => setNr({ ...nr, queue: e.target.value })} required pattern="[a-z0-9][a-z0-9-]{0,39}" /></label>
          <label>Priority (0–100, higher first)<input type="number" min={0} max={100} value={nr.priority} onChange={(e) => setNr({ ...nr, priority: e.target.value })} /></label>
          <button type="submit">Add rule</button>
        </form>
      )}
    </section>
  );
}

function TemplateEditor({ t, admin, onSave }: { t: Template; admin: boolean; onSave: (body: string) => Promise<void> }) {
  const [body, setBody] = useState(t.body);
  useEffect(() => setBody(t.body), [t.body]);
  return (
    <form className="panel" onSubmit={(e) => { e.preventDefault(); void onSave(body); }}>
      <label>Template for <strong>{t.action}</strong>{t.isDefault ? ' (default)' : ` (edited by ${t.updatedBy ?? '?'})`}
        <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={3} readOnly={!admin} />
      </label>
      {admin && <button type="submit" disabled={body === t.body}>Save {t.action} template</button>}
    </form>
  );
}
