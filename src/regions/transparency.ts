import { sql, type Kysely } from 'kysely';
import type { CellDb } from '../db/schema.js';
import type { CellRegistry } from './cells.js';

export type TransparencyMetric =
  | 'access.allowed'
  | 'access.denied'
  | 'grant.requested'
  | 'grant.approved'
  | 'grant.denied'
  /** Moderation: reports received by reason, decisions by action, appeals received and reversed. */
  | `moderation.report.${string}`
  | `moderation.action.${string}`
  | 'moderation.appeal.received'
  | 'moderation.appeal.reversed';

/** Counts operator decisions per day, metric and jurisdiction in the region's cell: aggregates only, no ids. */
export class TransparencyCounter {
  constructor(private readonly deps: { cells: CellRegistry; now: () => Date }) {}

  async add(region: string, metric: TransparencyMetric, jurisdiction: string): Promise<void> {
    const day = this.deps.now().toISOString().slice(0, 10);
    await this.deps.cells
      .get(region)
      .db.insertInto('transparency_counts')
      .values({ day, metric, jurisdiction, count: 1 })
      .onConflict((oc) =>
        oc.columns(['day', 'metric', 'jurisdiction']).doUpdateSet({ count: sql`transparency_counts.count + 1` }),
      )
      .execute();
  }
}

export interface RegionTransparency {
  region: string;
  flows: { flow: string; target: string; count: number }[];
  accesses: { jurisdiction: string; allowed: number; denied: number }[];
  grants: { requested: number; approved: number; denied: number };
  denials: number;
  moderation: {
    reports: Record<string, number>;
    actions: Record<string, number>;
    appeals: { received: number; reversed: number };
    medianHoursToDecision: number | null;
  };
}

/** The public transparency report: per region, border flows by type and target, and operator decisions. */
export async function transparencyReport(
  cells: CellRegistry,
  now: Date,
): Promise<{ generatedAt: string; regions: RegionTransparency[] }> {
  const regions: RegionTransparency[] = [];
  for (const cell of cells.all()) {
    const flows = await cell.db
      .selectFrom('border_flows')
      .select(['flow', 'target', (eb) => eb.fn.sum<number>('count').as('n')])
      .groupBy(['flow', 'target'])
      .orderBy('flow')
      .orderBy('target')
      .execute();
    const counts = await cell.db
      .selectFrom('transparency_counts')
      .select(['metric', 'jurisdiction', (eb) => eb.fn.sum<number>('count').as('n')])
      .groupBy(['metric', 'jurisdiction'])
      .execute();
    const byJurisdiction = new Map<string, { jurisdiction: string; allowed: number; denied: number }>();
    const grants = { requested: 0, approved: 0, denied: 0 };
    const moderation: RegionTransparency['moderation'] = {
      reports: {},
      actions: {},
      appeals: { received: 0, reversed: 0 },
      medianHoursToDecision: await medianHoursToDecision(cell.db),
    };
    for (const c of counts) {
      const n = Number(c.n);
      if (c.metric.startsWith('moderation.')) {
        const [, kind, name] = c.metric.split('.') as [string, string, string];
        if (kind === 'report') moderation.reports[name] = (moderation.reports[name] ?? 0) + n;
        else if (kind === 'action') moderation.actions[name] = (moderation.actions[name] ?? 0) + n;
        else if (kind === 'appeal' && name === 'received') moderation.appeals.received += n;
        else if (kind === 'appeal' && name === 'reversed') moderation.appeals.reversed += n;
        continue;
      }
      if (c.metric === 'access.allowed' || c.metric === 'access.denied') {
        const entry = byJurisdiction.get(c.jurisdiction) ?? { jurisdiction: c.jurisdiction, allowed: 0, denied: 0 };
        if (c.metric === 'access.allowed') entry.allowed += n;
        else entry.denied += n;
        byJurisdiction.set(c.jurisdiction, entry);
      } else if (c.metric === 'grant.requested') grants.requested += n;
      else if (c.metric === 'grant.approved') grants.approved += n;
      else if (c.metric === 'grant.denied') grants.denied += n;
    }
    const accesses = [...byJurisdiction.values()].sort((a, b) => a.jurisdiction.localeCompare(b.jurisdiction));
    regions.push({
      region: cell.region,
      flows: flows.map((f) => ({ flow: f.flow, target: f.target, count: Number(f.n) })),
      accesses,
      grants,
      denials: accesses.reduce((n, a) => n + a.denied, 0) + grants.denied,
      moderation,
    });
  }
  return { generatedAt: now.toISOString(), regions };
}

/**
 * The median time from a case's first report (or an appeal's filing) to its decision, in hours, over the region's
 * decided cases; automated decisions, which no report started, are left out. Null before the first decision.
 */
async function medianHoursToDecision(db: Kysely<CellDb>): Promise<number | null> {
  const rows = await db
    .selectFrom('moderation_cases')
    .select(['created_at', 'decided_at'])
    .where('decided_at', 'is not', null)
    .where((eb) => eb.or([eb('kind', '=', 'appeal'), eb('report_count', '>', 0)]))
    .execute();
  if (rows.length === 0) return null;
  const hours = rows
    .map((r) => (Date.parse(r.decided_at!) - Date.parse(r.created_at)) / 3_600_000)
    .sort((a, b) => a - b);
  const mid = hours.length >> 1;
  const median = hours.length % 2 === 1 ? hours[mid]! : (hours[mid - 1]! + hours[mid]!) / 2;
  return Math.round(median * 100) / 100;
}
