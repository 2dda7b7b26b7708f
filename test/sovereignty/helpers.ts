import type { OperatorRole } from '../../src/accounts/operator.service.js';
import { signup, type TestApp } from '../helpers/app.js';

export interface TestUser {
  id: string;
  handle: string;
  region: string;
  token: string;
}

/** Signs up an account and makes it an operator (as `reelm operator add` does). */
export async function makeOperator(
  t: TestApp,
  handle: string,
  jurisdiction: string,
  role: OperatorRole,
  country = 'US',
): Promise<TestUser> {
  const user = await signup(t.app, { handle, country });
  await t.ctx.operators.add(handle, jurisdiction, role);
  return user;
}

export async function auditActions(
  t: TestApp,
  region: string,
): Promise<{ actor: string; action: string; subject: string; details: Record<string, unknown> }[]> {
  const rows = await t.ctx.cells.get(region).db.selectFrom('audit_entries').selectAll().orderBy('seq').execute();
  return rows.map((r) => ({
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    details: JSON.parse(r.details) as Record<string, unknown>,
  }));
}

/** Runs the workers until no cell has a job that is due now (jobs scheduled later stay queued). */
export async function runDueJobs(t: TestApp): Promise<void> {
  const { startWorkers } = await import('../../src/jobs/workers.js');
  const worker = startWorkers(t.ctx, t.ctx.cells.regions(), { pollMs: 10 });
  try {
    for (let i = 0; i < 500; i++) {
      let due = 0;
      const at = t.ctx.clock.now().toISOString();
      for (const cell of t.ctx.cells.all()) {
        const rows = await cell.db
          .selectFrom('jobs')
          .select('id')
          .where((eb) =>
            eb.or([eb('status', '=', 'running'), eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', at)])]),
          )
          .execute();
        due += rows.length;
      }
      if (due === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('jobs did not finish');
  } finally {
    await worker.stop();
  }
}
