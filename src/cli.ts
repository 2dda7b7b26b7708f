import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config, type ConfigFile } from './config.js';
import { createContext, type AppContext } from './context.js';
import { buildServer } from './http/server.js';
import { startWorkers } from './jobs/workers.js';
import { seedDemo } from './demo/demo-seed.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

function configFrom(opts: { port?: number; data?: string }): Config {
  const overrides: Partial<ConfigFile> = {};
  const config = loadConfig(process.env, overrides);
  if (opts.port !== undefined) config.port = opts.port;
  if (opts.data) config.dataDir = resolve(opts.data);
  return config;
}

async function withContext<T>(config: Config, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createContext(config);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Starts the API (and, in embedded mode, the workers) and stops cleanly on SIGINT/SIGTERM. */
async function serve(config: Config, options: { demo?: boolean } = {}): Promise<void> {
  const ctx = await createContext(config);
  await ctx.accounts.reconcilePending();
  // Missing ffmpeg is logged as an error; everything but media keeps working (uploads answer 503).
  void ctx.media.ffmpeg.check();
  const worker = config.inProcessWorkers ? startWorkers(ctx, undefined, { leaseMs: config.jobLeaseMs }) : undefined;
  const app = await buildServer(ctx);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const shownPort = typeof address === 'object' && address ? address.port : config.port;
  ctx.log.info({ dataDir: config.dataDir, regions: config.regions }, `Reelm is listening on http://localhost:${shownPort}`);
  if (options.demo) {
    const existing = await ctx.directory.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) ctx.log.info('demo: the data folder already has accounts; nothing added');
    else
      void seedDemo({ baseUrl: `http://127.0.0.1:${shownPort}`, ffmpegPath: config.ffmpegPath, log: ctx.log }).catch((err: Error) =>
        ctx.log.error({ err }, 'demo: seeding failed'),
      );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info(`${signal}: shutting down`);
    await app.close();
    await worker?.stop();
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

export function buildCli(): Command {
  const program = new Command('reelm').description('Reelm: short videos, with your data kept where you live.').showHelpAfterError();

  program
    .command('start')
    .description('run everything in one process with embedded stores (SQLite, local folders)')
    .option('--port <port>', 'HTTP port (env PORT, default 3000)', port)
    .option('--data <dir>', 'data folder (env REELM_DATA_DIR, default ./data)')
    .option('--demo', 'fill an empty data folder with demo accounts and generated clips')
    .action(async (opts: { port?: number; data?: string; demo?: boolean }) => serve(configFrom(opts), { demo: opts.demo === true }));

  program
    .command('serve')
    .description('run a stateless API process')
    .option('--port <port>', 'HTTP port', port)
    .option('--data <dir>', 'data folder')
    .action(async (opts: { port?: number; data?: string }) => serve({ ...configFrom(opts), inProcessWorkers: false }));

  program
    .command('worker')
    .description("run the jobs of one region's cell (transcodes, exports …)")
    .requiredOption('--region <region>', 'the region whose queue this worker serves')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { region: string; data?: string }) => {
      const config = configFrom(opts);
      if (!config.regions.includes(opts.region)) throw new Error(`unknown region "${opts.region}" (regions: ${config.regions.join(', ')})`);
      const ctx = await createContext(config);
      void ctx.media.ffmpeg.check();
      const worker = startWorkers(ctx, [opts.region], { leaseMs: config.jobLeaseMs });
      ctx.log.info({ region: opts.region }, 'worker started');
      const stop = async () => {
        await worker.stop();
        await ctx.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });

  program
    .command('migrate')
    .description('bring the directory and every cell to the latest schema')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { data?: string }) => {
      const config = configFrom(opts);
      await withContext(config, async () => undefined);
      console.log(`migrated the directory and ${config.regions.length} cells (${config.regions.join(', ')})`);
    });

  const operator = program.command('operator').description('manage operators (staff who may access protected data under policy)');
  operator
    .command('add')
    .description('make an existing account an operator of a jurisdiction')
    .requiredOption('--handle <handle>', 'the account')
    .requiredOption('--jurisdiction <j>', 'a region id or "global"')
    .requiredOption('--role <role>', 'moderator | support | security | auditor')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { handle: string; jurisdiction: string; role: string; data?: string }) => {
      const record = await withContext(configFrom(opts), (ctx) => ctx.operators.add(opts.handle, opts.jurisdiction, opts.role));
      console.log(`@${opts.handle.replace(/^@/, '')} is now ${record.role} for ${record.jurisdiction}`);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    console.error(`reelm: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
