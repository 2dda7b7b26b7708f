/**
 * Feed services in-process, without HTTP: the CPU cost of one For You / Following page, sequentially, over a
 * data set kept by `feed-bench --keep --data DIR`. Separates the feed's own cost from the HTTP stack and from
 * the load of other processes (sequential calls on one core are much less noisy than autocannon).
 *
 *   tsc -p bench/feed/tsconfig.json && node dist/bench/feed/feed-services.js --data DIR [--rounds 3]
 * Prints wall-clock mean, p50 and p99 and the process CPU time per call (steadier than wall time when other
 * processes load the machine), and the heap. Prints numbers; it is not a test.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import type { Generated } from './generate.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function timed(name: string, n: number, call: (i: number) => Promise<unknown>): Promise<void> {
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await call(i);
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / n;
  const q = (p: number) => times[Math.min(n - 1, Math.floor(p * n))]!;
  console.log(
    `${name.padEnd(28)} mean ${mean.toFixed(0).padStart(7)} µs   p50 ${q(0.5).toFixed(0).padStart(7)}   p99 ${q(0.99).toFixed(0).padStart(7)}   CPU ${((used.user + used.system) / n).toFixed(0).padStart(6)} µs/call`,
  );
}

async function main(): Promise<void> {
  const dataDir = resolve(arg('data', ''));
  const rounds = Number(arg('rounds', '3'));
  // --only TEXT times just the calls whose name contains TEXT (for a CPU profile of one feed).
  const only = arg('only', '');
  const run = (name: string, call: (i: number) => Promise<unknown>) =>
    !only || name.includes(only) ? timed(name, n, call) : undefined;
  // What feed-bench --keep left next to the data: the viewers' tokens and a sample of clip ids.
  const data = (JSON.parse(readFileSync(join(dataDir, 'bench-manifest.json'), 'utf8')) as { data: Generated }).data;
  const ctx = await createContext(loadConfig({ REELM_DATA_DIR: dataDir, REELM_LOG_LEVEL: 'warn' }));
  const viewers: { userId: string; region: string }[] = [];
  for (const v of data.viewers) {
    const p = await ctx.sessions.authenticate(v.token);
    viewers.push({ userId: p.userId, region: p.region });
  }
  const n = viewers.length * rounds;
  const t = Date.now();
  for (const v of viewers) await ctx.feeds.forYou.page(v, { limit: 10 });
  console.log(`warm-up ${Date.now() - t} ms over ${viewers.length} viewers`);
  await run('authenticate', (i) => ctx.sessions.authenticate(data.viewers[i % viewers.length]!.token));
  await run('For You (signed in)', (i) => ctx.feeds.forYou.page(viewers[i % viewers.length]!, { limit: 10 }));
  await run('For You (visitor)', () => ctx.feeds.forYou.page(null, { limit: 10 }));
  await run('Following', (i) => ctx.feeds.following.following(viewers[i % viewers.length]!, { limit: 10 }));
  const mem = process.memoryUsage();
  console.log(`heap ${Math.round(mem.heapUsed / 2 ** 20)} MiB, RSS ${Math.round(mem.rss / 2 ** 20)} MiB`);
  await ctx.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
