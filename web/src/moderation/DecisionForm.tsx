import { useEffect, useState } from 'preact/hooks';
import { api, type Action, type Case, type DecisionBody, type Region } from '../api';
import { regionName } from '../format';
import { t } from '../i18n';
import { actionsFor, actionVerb, policyName, POLICIES } from '../safety/labels';
import { errorText, toast } from '../session';

const MIN_STATEMENT = 10;
const MAX_STATEMENT = 2000;

function RegionPicker({ picked, onChange }: { picked: string[]; onChange: (r: string[]) => void }) {
  const [regions, setRegions] = useState<Region[] | null>(null);
  const [free, setFree] = useState(false);
  useEffect(() => {
    api.regions().then(
      (r) => setRegions(r.regions),
      () => setFree(true),
    );
  }, []);
  // Without the deployment's list, ids are typed in.
  if (free)
    return (
      <div class="field">
        <label for="d-regions">{t('mod.regionsFree')}</label>
        <input
          id="d-regions"
          name="regions"
          value={picked.join(', ')}
          onInput={(e) =>
            onChange(
              (e.target as HTMLInputElement).value
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            )
          }
        />
      </div>
    );
  return (
    <fieldset class="field">
      <legend>{t('mod.regions')}</legend>
      {(regions ?? []).map((r) => (
        <label key={r.id} class="check-row">
          <input
            type="checkbox"
            name="regions"
            value={r.id}
            data-testid={`decision-region-${r.id}`}
            checked={picked.includes(r.id)}
            onChange={(e) =>
              onChange((e.target as HTMLInputElement).checked ? [...picked, r.id] : picked.filter((x) => x !== r.id))
            }
          />
          <span>{regionName(r.id)}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** The decision on an open case: an action valid for its target (or uphold / reverse on appeal), why, and how long. */
export function DecisionForm({ c, onDecided }: { c: Case; onDecided: (c: Case) => void }) {
  const actions = actionsFor(c.kind, c.target.type);
  const [action, setAction] = useState<Action | null>(null);
  const [policy, setPolicy] = useState('');
  const [statement, setStatement] = useState('');
  const [regions, setRegions] = useState<string[]>([]);
  const [days, setDays] = useState('7');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const length = statement.trim().length;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!action) return;
    const body: DecisionBody = { action, statement: statement.trim() };
    if (policy) body.policy = policy;
    if (action === 'withhold') body.regions = regions;
    if (action === 'suspend') body.days = Number(days);
    setBusy(true);
    setError('');
    try {
      const decided = await api.decide(c.id, body);
      toast(t('mod.decided'));
      onDecided(decided);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card decision-form" onSubmit={submit} data-testid="decision-form">
      <h2>{t('mod.decision')}</h2>
      <fieldset class="field">
        <legend>{t('mod.action')}</legend>
        {actions.map((a) => (
          <label key={a} class={`choice ${action === a ? 'is-checked' : ''}`}>
            <input
              type="radio"
              name="action"
              value={a}
              checked={action === a}
              data-testid={`decision-action-${a}`}
              onChange={() => setAction(a)}
            />
            <span>{actionVerb(a)}</span>
          </label>
        ))}
      </fieldset>
      {c.kind === 'report' && (
        <div class="field">
          <label for="d-policy">{t('mod.policy')}</label>
          <select
            id="d-policy"
            name="policy"
            data-testid="decision-policy"
            value={policy}
            onChange={(e) => setPolicy((e.target as HTMLSelectElement).value)}
          >
            <option value="">{t('mod.policyAuto')}</option>
            {POLICIES.map((p) => (
              <option key={p} value={p}>
                {policyName(p)}
              </option>
            ))}
          </select>
        </div>
      )}
      {action === 'withhold' && <RegionPicker picked={regions} onChange={setRegions} />}
      {action === 'suspend' && (
        <div class="field">
          <label for="d-days">{t('mod.days')}</label>
          <input
            id="d-days"
            name="days"
            type="number"
            min={1}
            max={365}
            required
            value={days}
            onInput={(e) => setDays((e.target as HTMLInputElement).value)}
          />
        </div>
      )}
      <div class="field">
        <label for="d-statement">{t('mod.statement')}</label>
        <textarea
          id="d-statement"
          name="statement"
          rows={5}
          maxLength={MAX_STATEMENT}
          required
          value={statement}
          data-testid="decision-statement"
          onInput={(e) => setStatement((e.target as HTMLTextAreaElement).value)}
        />
        <small class={`counter ${length > 0 && length < MIN_STATEMENT ? 'over' : ''}`}>
          {t('mod.statementHint', { n: length, max: MAX_STATEMENT, min: MIN_STATEMENT })}
        </small>
      </div>
      {error && (
        <p class="form-error" role="alert" data-testid="decision-error">
          {error}
        </p>
      )}
      <button
        type="submit"
        class="btn btn-primary"
        data-testid="decision-submit"
        disabled={!action || length < MIN_STATEMENT || busy}
      >
        {t('mod.submit')}
      </button>
    </form>
  );
}
