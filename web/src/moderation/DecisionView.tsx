import type { Decision } from '../api';
import { t } from '../i18n';
import { actionVerb, fmtDateTime, policyName, targetName } from '../safety/labels';

/** A decision as moderators read it, the moderator included. */
export function DecisionView({ d, showTarget = false }: { d: Decision; showTarget?: boolean }) {
  const policy = policyName(d.policy);
  return (
    <div class="decision-view" data-testid="decision-view" data-action={d.action}>
      <p>
        <strong>{actionVerb(d.action)}</strong>
        {showTarget && ` · ${targetName(d.target.type)}`}
        {policy && ` · ${policy}`}
        {d.regions.length > 0 && ` · ${t('mod.regionsOf', { regions: d.regions.join(', ') })}`}
        {d.days !== null && ` · ${t('mod.daysFor', { n: d.days })}`}
      </p>
      <blockquote class="statement">{d.statement}</blockquote>
      <p class="muted small">
        {t('mod.decidedAt', { date: fmtDateTime(d.createdAt) })}
        {d.moderatorId && ` · ${t('mod.moderator', { id: d.moderatorId })}`}
        {d.automated && ` · ${t('mod.automated')}`}
        {d.strike && ` · ${t('mod.strike')}`}
        {d.reversedAt && ` · ${t('mod.reversed')}`}
      </p>
    </div>
  );
}
