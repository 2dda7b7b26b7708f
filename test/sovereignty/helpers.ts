import type { OperatorRole } from '../../src/accounts/operator.service.js';
import { signup, type TestApp } from '../helpers/app.js';

export interface TestUser {
  id: string;
  handle: string;
  region: string;
  token: string;
}

/** Signs up an account and makes it an operator (as `reelm operator add` does). */
export async function makeOperator(t: TestApp, handle: string, jurisdiction: string, role: OperatorRole, country = 'US'): Promise<TestUser> {
  const user = await signup(t.app, { handle, country });
  await t.ctx.operators.add(handle, jurisdiction, role);
  return user;
}

export async function auditActions(t: TestApp, region: string): Promise<{ actor: string; action: string; subject: string; details: Record<string, unknown> }[]> {
  const rows = await t.ctx.cells.get(region).db.selectFrom('audit_entries').selectAll().orderBy('seq').execute();
  return rows.map((r) => ({ actor: r.actor, action: r.action, subject: r.subject, details: JSON.parse(r.details) as Record<string, unknown> }));
}
