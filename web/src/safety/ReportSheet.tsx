import { useEffect, useState } from 'preact/hooks';
import { api, type ReportReason } from '../api';
import { t } from '../i18n';
import { errorText, toast } from '../session';
import { useStore } from '../store';
import { Sheet } from '../ui/Sheet';
import { policyName, REASONS } from './labels';
import { reportStore } from './report';

const MAX_DETAILS = 1000;

/** The report sheet: a reason, optional details, sent to POST /reports. Opened with `openReport`. */
export function ReportSheet() {
  const target = useStore(reportStore);
  const [reason, setReason] = useState<ReportReason | null>(null);
  const [details, setDetails] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    setReason(null);
    setDetails('');
    setError('');
  }, [target]);
  const close = () => reportStore.set(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!target || !reason || busy) return;
    setBusy(true);
    setError('');
    try {
      const text = details.trim();
      await api.report({ target, reason, ...(text ? { details: text } : {}) });
      close();
      toast(t('report.thanks'));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Sheet
      open={target !== null}
      onClose={close}
      title={target ? t(`report.title.${target.type}`) : ''}
      titleId="report-title"
      class="sheet-report"
      testid="report-sheet"
    >
      <form class="report-form" onSubmit={submit}>
        <fieldset class="field report-reasons">
          <legend>{t('report.reason')}</legend>
          {REASONS.map((r) => (
            <label key={r} class={`choice ${reason === r ? 'is-checked' : ''}`}>
              <input
                type="radio"
                name="reason"
                value={r}
                checked={reason === r}
                data-testid={`report-reason-${r}`}
                onChange={() => setReason(r)}
              />
              <span>{policyName(r)}</span>
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="report-details">{t('report.details')}</label>
          <textarea
            id="report-details"
            name="details"
            rows={3}
            maxLength={MAX_DETAILS}
            value={details}
            placeholder={t('report.detailsPlaceholder')}
            data-testid="report-details"
            onInput={(e) => setDetails((e.target as HTMLTextAreaElement).value)}
          />
          <small class="counter">{t('report.count', { n: details.length, max: MAX_DETAILS })}</small>
        </div>
        <p class="muted small">{t('report.hint')}</p>
        {error && (
          <p class="form-error" role="alert" data-testid="report-error">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" disabled={!reason || busy} data-testid="report-submit">
          {t('report.submit')}
        </button>
      </form>
    </Sheet>
  );
}
