import type { Action, CaseSummary, Policy, ReportReason, TargetType } from '../api';
import { lang, t, type StringKey } from '../i18n';

/**
 * The names people read for the server's reasons, policies, actions and targets (src/moderation/moderation.schema.ts).
 * The lists are Records keyed by the server's types, and the names are looked up by keys built from them, so a value
 * added there fails the build here until it is named.
 */
const REASON_SET: Record<ReportReason, null> = {
  spam: null,
  harassment: null,
  hate: null,
  violence: null,
  sexual: null,
  minor_safety: null,
  self_harm: null,
  dangerous_acts: null,
  misinformation: null,
  illegal: null,
  intellectual_property: null,
  impersonation: null,
  other: null,
};
export const REASONS = Object.keys(REASON_SET) as ReportReason[];
const POLICY_SET: Record<Policy, null> = { ...REASON_SET, legal_order: null };
export const POLICIES = Object.keys(POLICY_SET) as Policy[];

/** A reason or policy by its name; a policy is a plain string, so one the app has no name for yet shows as it is. */
export function policyName(p: string | null): string {
  if (p === null) return '';
  const key = `reason.${p}` as StringKey;
  const s = t(key);
  return s === key ? p : s;
}
export const targetName = (type: TargetType): string => t(`target.${type}`);
/** What a decision did, as the affected person reads it ("Removed"). */
export const decisionName = (a: Action): string => t(`decision.${a}`);
/** What a moderator picks ("Remove"). */
export const actionVerb = (a: Action): string => t(`mod.do.${a}`);

const BY_TARGET: Record<TargetType, Action[]> = {
  video: ['remove', 'restrict', 'withhold', 'dismiss'],
  comment: ['remove', 'dismiss'],
  sound: ['remove', 'restrict', 'dismiss'],
  user: ['suspend', 'ban', 'dismiss'],
};

/** The actions a case can take (docs/moderation.md, "Targets and actions"). */
export const actionsFor = (kind: CaseSummary['kind'], type: TargetType): Action[] =>
  kind === 'appeal' ? ['uphold', 'reverse'] : BY_TARGET[type];

/** A date and time in the app's language. */
export const fmtDateTime = (iso: string): string =>
  new Date(iso).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });
export const fmtDate = (iso: string): string => new Date(iso).toLocaleDateString(lang, { dateStyle: 'medium' });
