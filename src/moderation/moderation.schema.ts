import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import { UserRefSchema } from '../accounts/accounts.schema.js';
import { VideoSchema } from '../media/video.schema.js';

/** Trust and safety's objects (docs/moderation.md); types derived from them, for server and web app. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** A union of string literals that keeps its literal type (a plain `map` widens it to `string`). */
const literals = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T[number]>[]>;

export const REPORT_REASONS = [
  'spam',
  'harassment',
  'hate',
  'violence',
  'sexual',
  'minor_safety',
  'self_harm',
  'dangerous_acts',
  'misinformation',
  'illegal',
  'intellectual_property',
  'impersonation',
  'other',
] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** The grounds a decision may name: the reasons people report for, and a legal order from a jurisdiction. */
export const POLICIES = [...REPORT_REASONS, 'legal_order'] as const;
export type Policy = (typeof POLICIES)[number];

export const TARGET_TYPES = ['video', 'comment', 'user', 'sound'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export const CASE_ACTIONS = ['remove', 'restrict', 'withhold', 'dismiss', 'suspend', 'ban'] as const;
export const APPEAL_ACTIONS = ['uphold', 'reverse'] as const;
export const ACTIONS = [...CASE_ACTIONS, ...APPEAL_ACTIONS] as const;
export type Action = (typeof ACTIONS)[number];

export const TargetSchema = Type.Object({
  type: literals(TARGET_TYPES),
  id: Type.String({ minLength: 1, maxLength: 64 }),
});
export type Target = Static<typeof TargetSchema>;

export const ReportBodySchema = Type.Object(
  {
    // The type, the reason and the length of the details are checked by the service, so each refusal gets its own
    // code (`report.target_invalid`, `report.reason_invalid`, `report.details_too_long`) rather than a schema
    // error; the JSON body limit caps how long the details can be on the way there.
    target: Type.Object({ type: Type.String({ maxLength: 32 }), id: Type.String({ minLength: 1, maxLength: 64 }) }),
    reason: Type.String({ maxLength: 64 }),
    details: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ReportBody = Static<typeof ReportBodySchema>;

export const CaseSummarySchema = Type.Object({
  id: Type.String(),
  kind: literals(['report', 'appeal'] as const),
  target: TargetSchema,
  region: Type.String(),
  reasons: Type.Record(Type.String(), Type.Integer()),
  reportCount: Type.Integer(),
  status: literals(['open', 'decided'] as const),
  priority: Type.Integer(),
  createdAt: Type.String(),
});
export type CaseSummary = Static<typeof CaseSummarySchema>;

export const CasePageSchema = Type.Object({ items: Type.Array(CaseSummarySchema), cursor: Nullable(Type.String()) });

export const DecisionSchema = Type.Object({
  id: Type.String(),
  caseId: Type.String(),
  target: TargetSchema,
  action: literals(ACTIONS),
  policy: Nullable(Type.String()),
  statement: Type.String(),
  regions: Type.Array(Type.String()),
  days: Nullable(Type.Integer()),
  automated: Type.Boolean(),
  strike: Type.Boolean(),
  /** Only shown to moderators. */
  moderatorId: Nullable(Type.String()),
  reversedAt: Nullable(Type.String()),
  createdAt: Type.String(),
});
export type Decision = Static<typeof DecisionSchema>;

export const ModerationStateSchema = literals(['none', 'removed', 'restricted', 'withheld'] as const);

export const CaseSchema = Type.Intersect([
  CaseSummarySchema,
  Type.Object({
    reports: Type.Array(Type.Object({ reason: Type.String(), details: Type.String(), createdAt: Type.String() })),
    subject: Nullable(UserRefSchema),
    video: Type.Optional(VideoSchema),
    comment: Type.Optional(
      Type.Object({ id: Type.String(), text: Type.String(), videoId: Type.String(), moderation: Type.String() }),
    ),
    sound: Type.Optional(Type.Object({ id: Type.String(), title: Type.String(), videoId: Type.String() })),
    appeal: Type.Optional(Type.Object({ text: Type.String(), decision: DecisionSchema })),
    decision: Nullable(DecisionSchema),
    history: Type.Array(DecisionSchema),
  }),
]);
export type Case = Static<typeof CaseSchema>;

export const DecisionBodySchema = Type.Object(
  {
    action: Type.String({ maxLength: 32 }),
    policy: Type.Optional(Type.String({ maxLength: 64 })),
    statement: Type.String({ maxLength: 10_000 }),
    regions: Type.Optional(Type.Array(Type.String({ maxLength: 16 }), { maxItems: 32 })),
    days: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

export const AppealStateSchema = Type.Object({
  status: literals(['open', 'upheld', 'reversed'] as const),
  createdAt: Type.String(),
  decidedAt: Nullable(Type.String()),
});

/** A decision as its affected user sees it (never the moderator). */
export const MyDecisionSchema = Type.Object({
  id: Type.String(),
  target: TargetSchema,
  action: literals(ACTIONS),
  policy: Nullable(Type.String()),
  statement: Type.String(),
  automated: Type.Boolean(),
  strike: Type.Boolean(),
  reversed: Type.Boolean(),
  createdAt: Type.String(),
  canAppeal: Type.Boolean(),
  /** Until when `POST /moderation/decisions/:id/appeal` is open; null when the decision cannot be appealed. */
  appealUntil: Nullable(Type.String()),
  appeal: Nullable(AppealStateSchema),
});
export type MyDecision = Static<typeof MyDecisionSchema>;

export const AccountStandingSchema = Type.Object({
  items: Type.Array(MyDecisionSchema),
  strikes: Type.Integer(),
  strikesToSuspend: Type.Integer(),
  suspendedUntil: Nullable(Type.String()),
  banned: Type.Boolean(),
});
export type AccountStanding = Static<typeof AccountStandingSchema>;

export const BlockedTermsSchema = Type.Object({ region: Type.String(), terms: Type.Array(Type.String()) });
export type BlockedTerms = Static<typeof BlockedTermsSchema>;

/** What a `moderation` notification carries: the statement of reasons. */
export const ModerationNoticeSchema = Type.Object({
  decisionId: Type.String(),
  action: literals(ACTIONS),
  policy: Nullable(Type.String()),
  statement: Type.String(),
  automated: Type.Boolean(),
  target: TargetSchema,
  canAppeal: Type.Boolean(),
  /** How to appeal: until when `POST /moderation/decisions/:id/appeal` is open; null when it cannot be. */
  appealUntil: Nullable(Type.String()),
});

/** What a `report_outcome` notification carries: the target and what became of it, never who decided. */
export const ReportOutcomeSchema = Type.Object({
  id: Type.String(),
  target: TargetSchema,
  /** Where the target can be opened: the account's handle (user targets), the clip a comment is on. */
  handle: Type.Optional(Type.String()),
  videoId: Type.Optional(Type.String()),
  outcome: literals(['actioned', 'dismissed'] as const),
});

export const ModerationTransparencySchema = Type.Object({
  reports: Type.Record(Type.String(), Type.Integer()),
  actions: Type.Record(Type.String(), Type.Integer()),
  appeals: Type.Object({ received: Type.Integer(), reversed: Type.Integer() }),
  medianHoursToDecision: Nullable(Type.Number()),
});
