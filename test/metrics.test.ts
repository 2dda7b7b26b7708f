import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, signup, startTestApp, type TestApp } from './helpers/app.js';

/** One sample's value from Prometheus' text format (undefined when the series is absent). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    const have = inside.split(',');
    if (want.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { REELM_METRICS_TOKEN: 'scrape-secret-1' } });
  });
  afterAll(async () => {
    await t?.destroy();
  });
  const scrape = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer('scrape-secret-1') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.body;
  };

  it('counts requests by route pattern and status, never by the path a client sent', async () => {
    const before = await scrape();
    const user = await signup(t.app, { handle: 'metrics_mira' });
    for (const handle of ['nobody_here_1', 'nobody_here_2'])
      expect((await t.app.inject({ method: 'GET', url: `/api/v1/users/${handle}` })).statusCode).toBe(404);
    await t.app.inject({ method: 'GET', url: '/api/v1/search?q=secretword', headers: bearer(user.token) });
    await t.app.inject({ method: 'GET', url: '/api/v1/no/such/place/metrics_mira' });
    const after = await scrape();

    const route = { method: 'GET', route: '/api/v1/users/:handle', status: '404' };
    expect(sample(after, 'reelm_http_requests_total', route)).toBe(
      (sample(before, 'reelm_http_requests_total', route) ?? 0) + 2,
    );
    expect(sample(after, 'reelm_http_requests_total', { route: '/api/v1/accounts', status: '201' })).toBe(1);
    expect(sample(after, 'reelm_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(
      sample(after, 'reelm_http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/users/:handle' }),
    ).toBeGreaterThanOrEqual(2);
    // Aggregates only: no handle, search word or id reaches the figures.
    for (const needle of ['nobody_here', 'secretword', 'metrics_mira', user.id]) expect(after).not.toContain(needle);
  });

  it("gives each region's jobs by state, and the process's own figures", async () => {
    const text = await scrape();
    for (const region of t.ctx.cells.regions())
      expect(text).toMatch(new RegExp(`^reelm_jobs\\{region="${region}",state="[a-z_]+"\\} \\d+$`, 'm'));
    expect(text).toMatch(/^reelm_process_resident_memory_bytes \d+/m);
  });

  it('asks for the token this deployment set, in the one error shape', async () => {
    for (const headers of [{}, bearer('scrape-secret-2')]) {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('metrics.token_required');
    }
  });
});
