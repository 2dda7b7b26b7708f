import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config, type ConfigFile } from './config.js';
import { carveOutFor, createContext, type AppContext, type ContextOverrides } from './context.js';
import { buildServer } from './http/server.js';
import { startWorkers } from './jobs/workers.js';
import { seedDemo } from './demo/demo-seed.js';
import { scheduleBorderRollup, scheduleSessionPrune } from './jobs/handlers.js';
import { startHousekeeping } from './jobs/housekeeping.js';
import { manifestFile, readManifest, verifyAbsentEverywhere, type ClusterTarget } from './regions/carve-out.js';
import { progressLine } from './regions/progress.js';
import { mailCommand } from './mail/mail.cli.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

function configFrom(opts: { port?: number; data?: string }): Config {
  const overrides: Partial<ConfigFile> = {};
  // `--data DIR` also brings DIR/reelm.config.json (a carved-out region carries its own config).
  const env = opts.data ? { ...process.env, REELM_DATA_DIR: resolve(opts.data) } : process.env;
  const config = loadConfig(env, overrides);
  if (opts.port !== undefined) config.port = opts.port;
  if (opts.data) config.dataDir = resolve(opts.data);
  return config;
}

async function withContext<T>(
  config: Config,
  fn: (ctx: AppContext) => Promise<T>,
  overrides: ContextOverrides = {},
): Promise<T> {
  const ctx = await createContext(config, overrides);
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
  // Accounts made before the email blind index get theirs (it needs the keys, so not in a migration).
  await ctx.accountEmails.backfill();
  // Index rows of accounts that went private or away before the index followed accounts leave it.
  await ctx.media.videos.reconcileIndex();
  // Missing ffmpeg is logged as an error; everything but media keeps working (uploads answer 503).
  void ctx.media.ffmpeg.check();
  // Multipart temp files live on this machine's disk: a process that stopped mid-upload left them here.
  await ctx.media.sweeper.removeMultipartLeftovers();
  const worker = config.inProcessWorkers ? startWorkers(ctx, undefined, { leaseMs: config.jobLeaseMs }) : undefined;
  if (worker) await startHousekeeping(ctx);
  for (const region of ctx.cells.regions()) {
    await scheduleBorderRollup(ctx, region);
    await scheduleSessionPrune(ctx, region);
  }
  const app = await buildServer(ctx);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const shownPort = typeof address === 'object' && address ? address.port : config.port;
  ctx.log.info(
    { dataDir: config.dataDir, regions: config.regions },
    `Reelm is listening on http://localhost:${shownPort}`,
  );
  if (options.demo) {
    const existing = await ctx.directory.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) ctx.log.info('demo: the data folder already has accounts; nothing added');
    else
      void seedDemo({ baseUrl: `http://127.0.0.1:${shownPort}`, ffmpegPath: config.ffmpegPath, log: ctx.log }).catch(
        (err: Error) => ctx.log.error({ err }, 'demo: seeding failed'),
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
  const program = new Command('reelm')
    .description('Reelm: short videos, with your data kept where you live.')
    .showHelpAfterError();

  program
    .command('start')
    .description('run everything in one process with embedded stores (SQLite, local folders)')
    .option('--port <port>', 'HTTP port (env PORT, default 3000)', port)
    .option('--data <dir>', 'data folder (env REELM_DATA_DIR, default ./data)')
    .option('--demo', 'fill an empty data folder with demo accounts and generated clips')
    .action(async (opts: { port?: number; data?: string; demo?: boolean }) =>
      serve(configFrom(opts), { demo: opts.demo === true }),
    );

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
      if (!config.regions.includes(opts.region))
        throw new Error(`unknown region "${opts.region}" (regions: ${config.regions.join(', ')})`);
      const ctx = await createContext(config);
      void ctx.media.ffmpeg.check();
      const worker = startWorkers(ctx, [opts.region], { leaseMs: config.jobLeaseMs });
      await startHousekeeping(ctx, [opts.region]);
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

  const operator = program
    .command('operator')
    .description('manage operators (staff who may access protected data under policy)');
  operator
    .command('add')
    .description('make an existing account an operator of a jurisdiction')
    .requiredOption('--handle <handle>', 'the account')
    .requiredOption('--jurisdiction <j>', 'a region id or "global"')
    .requiredOption('--role <role>', 'moderator | support | security | auditor')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { handle: string; jurisdiction: string; role: string; data?: string }) => {
      const record = await withContext(configFrom(opts), (ctx) =>
        ctx.operators.add(opts.handle, opts.jurisdiction, opts.role),
      );
      console.log(`@${opts.handle.replace(/^@/, '')} is now ${record.role} for ${record.jurisdiction}`);
    });

  const audit = program.command('audit').description("each region's tamper-evident audit chain");
  audit
    .command('verify')
    .description('recompute the chain and check its signatures; prints OK or the first entry that breaks')
    .requiredOption('--region <region>', 'the region whose chain to verify')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { region: string; data?: string }) => {
      const result = await withContext(configFrom(opts), (ctx) => ctx.audit.for(opts.region).verify());
      if (result.ok) console.log(`OK ${result.count} entries, head ${result.head}`);
      else throw new Error(`audit chain of ${opts.region} is broken at entry ${result.seq}: ${result.problem}`);
    });
  audit
    .command('checkpoint')
    .description("sign a checkpoint at the current head of a region's chain")
    .requiredOption('--region <region>', 'the region')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { region: string; data?: string }) => {
      const cp = await withContext(configFrom(opts), (ctx) => ctx.audit.for(opts.region).checkpoint());
      console.log(cp ? `checkpoint at ${cp.seq}: ${cp.hash}` : 'the chain is empty');
    });

  const region = program.command('region').description('carve a region out of this deployment');
  const carveOut = (ctx: AppContext) => carveOutFor(ctx, progressLine());
  region
    .command('export <region>')
    .description('write a standalone deployment of one region into a folder (re-run to resume)')
    .requiredOption(
      '--out <dir>',
      'the folder to write (config, keys, manifest; the stores too unless --to-… is given)',
    )
    .option(
      '--new-key <file>',
      "the receiver's key-encryption key (base64, 32 bytes); without it a new one is generated into the export",
    )
    .option('--to-directory-url <url>', "the receiver's PostgreSQL directory (with --to-cell-url: a cluster target)")
    .option('--to-cell-url <url>', "the receiver's PostgreSQL cell store")
    .option(
      '--to-media-url <url>',
      "the receiver's s3:// media bucket (credentials: REELM_TO_MEDIA_ACCESS_KEY/_SECRET_KEY)",
    )
    .option('--to-queue-url <url>', "the receiver's redis:// queue (the region's waiting jobs are copied there)")
    .option('--to-queue-prefix <prefix>', "the receiver's Redis key prefix (default: this deployment's)")
    .option('--data <dir>', 'data folder')
    .action(
      async (
        name: string,
        opts: {
          out: string;
          newKey?: string;
          data?: string;
          toDirectoryUrl?: string;
          toCellUrl?: string;
          toMediaUrl?: string;
          toQueueUrl?: string;
          toQueuePrefix?: string;
        },
      ) => {
        if (
          Boolean(opts.toDirectoryUrl) !== Boolean(opts.toCellUrl) ||
          ((opts.toMediaUrl || opts.toQueueUrl) && !opts.toCellUrl)
        )
          throw new Error('a cluster target needs both --to-directory-url and --to-cell-url');
        const keyId = process.env.REELM_TO_MEDIA_ACCESS_KEY;
        const secret = process.env.REELM_TO_MEDIA_SECRET_KEY;
        const target: ClusterTarget | undefined = opts.toCellUrl
          ? {
              directoryUrl: opts.toDirectoryUrl!,
              cellUrl: opts.toCellUrl,
              ...(opts.toMediaUrl ? { mediaUrl: opts.toMediaUrl } : {}),
              ...(keyId && secret ? { mediaCredentials: { accessKeyId: keyId, secretAccessKey: secret } } : {}),
              ...(opts.toQueueUrl ? { queueUrl: opts.toQueueUrl } : {}),
              ...(opts.toQueuePrefix ? { queuePrefix: opts.toQueuePrefix } : {}),
            }
          : undefined;
        const res = await withContext(configFrom(opts), (ctx) =>
          carveOut(ctx).exportRegion(name, resolve(opts.out), {
            ...(opts.newKey ? { newKeyFile: resolve(opts.newKey) } : {}),
            ...(target ? { target } : {}),
          }),
        );
        console.log(`exported ${name} to ${res.outDir} (manifest sha256 ${res.manifestSha256})`);
        if (target) console.log(`its stores' settings are in ${join(res.outDir, 'reelm.env')}`);
        if (res.kekFile) console.log(`its new key-encryption key is in ${res.kekFile}: move it somewhere safe`);
        else
          console.log(
            `start it with REELM_KEK_${name.toUpperCase()}_FILE=${resolve(opts.newKey!)} reelm start --data ${res.outDir}`,
          );
      },
    );
  region
    .command('detach <region>')
    .description('remove a region from this deployment, with a signed destruction certificate (re-run to resume)')
    .option('--fallback <region>', "where the region's countries go (default: row, else the last region)")
    .option(
      '--ids-from <dir>',
      "the export folder: its manifest's users are removed too (needed when the region's own stores are gone)",
    )
    .option('--data <dir>', 'data folder')
    .action(async (name: string, opts: { fallback?: string; idsFrom?: string; data?: string }) => {
      const res = await withContext(configFrom(opts), (ctx) =>
        carveOut(ctx).detach(name, {
          ...(opts.fallback ? { fallback: opts.fallback } : {}),
          ...(opts.idsFrom ? { idsFrom: readManifest(resolve(opts.idsFrom)) } : {}),
        }),
      );
      const total = Object.values(res.removed).reduce((a, b) => a + b, 0);
      if (process.env.REELM_CONFIG || process.env.REELM_REGIONS) {
        console.error(
          `warning: REELM_CONFIG or REELM_REGIONS is set and wins over the data folder's reelm.config.json: remove ${name} there too`,
        );
      }
      console.log(
        `detached ${name}: ${total} records removed; certificate signed by ${Object.keys(res.certificate.signatures as object).join(', ')}`,
      );
      console.log(
        `the certificate commits to the manifest by its hash: sha256 ${String(res.certificate.manifestSha256)}`,
      );
      if (res.operatorSteps.length > 0) {
        console.log('left for the operator:');
        for (const step of res.operatorSteps) console.log(`  - ${step}`);
      }
    });
  region
    .command('verify-absent <region>')
    .description(
      "scan every remaining store (files, PostgreSQL, buckets, Redis) for any trace of a region's users; exits 1 if anything is found",
    )
    .requiredOption('--ids-from <dir>', 'the export folder (or its manifest file) listing the users')
    .option('--log <file>', 'a log file to scan too (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--logs <files...>', 'log files to scan too')
    .option('--data <dir>', 'data folder')
    .action(async (name: string, opts: { idsFrom: string; log: string[]; logs?: string[]; data?: string }) => {
      const config = configFrom(opts);
      const manifest = readManifest(resolve(opts.idsFrom));
      if (manifest.region !== name) throw new Error(`the manifest is for region ${manifest.region}, not ${name}`);
      const report = await verifyAbsentEverywhere(config, manifest, {
        logs: [...opts.log, ...(opts.logs ?? [])].map((f) => resolve(f)),
        skip: [manifestFile(resolve(opts.idsFrom))],
        progress: progressLine(),
      });
      for (const hit of report.found) console.log(`${hit.file}: ${hit.kind} ${hit.value}`);
      console.log(
        `${report.found.length} traces of ${name} found (scanned ${report.files} files, tables, objects and keys, ${report.bytes} bytes)`,
      );
      for (const s of report.scanned) console.log(`  scanned ${s}`);
      if (report.found.length > 0) process.exitCode = 1;
    });

  const accounts = program.command('accounts').description('user accounts');
  accounts
    .command('purge')
    .description('erase accounts whose deletion grace period is over (or, with --now, every deactivated account)')
    .option('--now', 'do not wait for the grace period')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { now?: boolean; data?: string }) => {
      const purged = await withContext(configFrom(opts), async (ctx) => {
        let n = 0;
        for (const r of ctx.cells.regions()) n += await ctx.deletion.purgeDue(r, { all: opts.now ?? false });
        return n;
      });
      console.log(`purged ${purged} accounts`);
    });

  accounts
    .command('move')
    .description(
      "move an account's data to the region serving a new country (copy, verify, re-route, shred; re-run to resume)",
    )
    .requiredOption('--handle <handle>', 'the account')
    .requiredOption('--country <code>', 'the new country (ISO 3166-1 alpha-2)')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { handle: string; country: string; data?: string }) => {
      // A test hook: the crash tests kill the process after a step's work, before it is recorded.
      const crashAfter = process.env.REELM_MOVE_CRASH_AFTER;
      const overrides: ContextOverrides = {
        afterMoveStep: (step) => {
          if (step === crashAfter) process.kill(process.pid, 'SIGKILL');
          console.error(`move: ${step}`);
        },
      };
      const res = await withContext(
        configFrom(opts),
        async (ctx) => {
          const user = await ctx.directory
            .selectFrom('users')
            .select(['id', 'region'])
            .where('handle', '=', opts.handle.replace(/^@/, '').toLowerCase())
            .executeTakeFirst();
          if (!user) throw new Error(`there is no account @${opts.handle}`);
          let moveId = await ctx.homeMoves.runningOf(user.id, user.region);
          if (moveId) console.error(`resuming move ${moveId}`);
          else moveId = (await ctx.homeMoves.begin(user.id, user.region, opts.country, undefined, 'cli')).id;
          return ctx.homeMoves.run(user.region, moveId);
        },
        overrides,
      );
      if (res.status !== 'done') throw new Error(`the move ${res.id} ${res.status}: ${res.error?.message ?? ''}`);
      console.log(`moved @${opts.handle} from ${res.from} to ${res.to} (move ${res.id})`);
    });

  program.addCommand(mailCommand((opts, fn) => withContext(configFrom(opts), fn)));

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
