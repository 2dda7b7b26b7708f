import { expect } from 'vitest';
import { startWorkers } from '../../src/jobs/workers.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { Person } from './social.js';

const PASSWORD = 'a long enough passphrase';

/** Asks for a move over HTTP, runs the workers until the move is no longer running, answers its final state. */
export async function moveOverHttp(t: TestApp, who: Person, country: string): Promise<any> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/me/home-region',
    headers: bearer(who.token),
    payload: { country, password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(202);
  const worker = startWorkers(t.ctx, t.ctx.cells.regions(), { pollMs: 10 });
  try {
    for (const until = Date.now() + 30_000; Date.now() < until;) {
      const status = await t.app.inject({ method: 'GET', url: '/api/v1/me/home-region', headers: bearer(who.token) });
      const body = status.json();
      if (body.move && body.move.status !== 'running') return body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the move did not finish in 30 s');
  } finally {
    await worker.stop();
  }
}
