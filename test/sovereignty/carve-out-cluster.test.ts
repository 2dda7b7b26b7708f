import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { carveOutFor, type AppContext } from '../../src/context.js';
import { type CarveOut, manifestDigest, readManifest, verifyAbsentEverywhere } from '../../src/regions/carve-out.js';
import { generateKeyBase64 } from '../../src/regions/keys.js';
import { TEST_MODE, bearer, removeDir, signup, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { createPgStores } from '../helpers/postgres.js';
import { publishTestVideo } from '../helpers/videos.js';
import { startMediaApp, type MediaTestApp } from '../media/helpers.js';
import { social } from './social.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'reelm.js');
const REDIS = process.env.REELM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const PASSWORD = 'a long enough passphrase';

const carve = (ctx: AppContext) => carveOutFor(ctx);

/** Every needle of a manifest found in a text (an independent tool's output). */
function tracesIn(text: string, needles: string[]): string[] {
  return needles.filter((n) => text.includes(n));
}

/** pg_dump of a whole database (schema and data), as an operator would take it. */
async function pgDump(url: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--no-owner', url], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** Every key and body of a bucket, listed and read with the AWS SDK. */
async function bucketText(s3: S3Client, bucket: string): Promise<{ keys: string[]; text: string }> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const parts = [...keys];
  for (const key of keys) {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    parts.push(Buffer.from(await res.Body!.transformToByteArray()).toString('latin1'));
  }
  return { keys, text: parts.join('\n') };
}

/** Every key under a prefix and its value, read by type with ioredis. */
async function redisText(prefix: string): Promise<{ keys: string[]; text: string }> {
  const redis = new Redis(REDIS);
  const keys: string[] = [];
  const parts: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const key of keys) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } finally {
    redis.disconnect();
  }
  return { keys, text: parts.join('\n') };
}

/** A clip's HLS master playlist, then its first rung's playlist and first segment, through the API's media routes. */
async function playClip(t: TestApp, videoId: string, token?: string): Promise<{ playlist: string; segment: number }> {
  const headers = token ? bearer(token) : {};
  const clip = await t.app.inject({ url: `/api/v1/videos/${videoId}`, headers });
  expect(clip.statusCode, clip.body).toBe(200);
  const master = clip.json().playback.hls as string;
  const playlist = await t.app.inject({ url: master, headers });
  expect(playlist.statusCode, master).toBe(200);
  const base = master.slice(0, master.lastIndexOf('/') + 1);
  const rung = playlist.body.split('\n').find((l) => l && !l.startsWith('#'))!;
  const rungPlaylist = await t.app.inject({ url: base + rung, headers });
  expect(rungPlaylist.statusCode).toBe(200);
  const rungBase = (base + rung).slice(0, (base + rung).lastIndexOf('/') + 1);
  const segment = rungPlaylist.body.split('\n').find((l) => l && !l.startsWith('#'))!;
  const bytes = await t.app.inject({ url: rungBase + segment, headers });
  expect(bytes.statusCode).toBe(200);
  return { playlist: playlist.body, segment: bytes.rawPayload.length };
}

describe.skipIf(TEST_MODE !== 'cluster')(
  'carve-out of a cluster region (PostgreSQL, S3 on moto, BullMQ on Redis)',
  () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    });

    it('exports au standalone and to a cluster target, detaches it while the others serve, and leaves nothing', async () => {
      const source: MediaTestApp = await startMediaApp();
      cleanup.push(() => source.destroy());
      const s3 = new S3Client({
        endpoint: source.s3!.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      cleanup.push(async () => s3.destroy());

      const ava = await signup(source.app, { handle: 'ava_cluster_us', country: 'US' });
      const bo = await signup(source.app, { handle: 'bo_cluster_eu', country: 'DE' });
      const cy = await signup(source.app, {
        handle: 'cy_cluster_au',
        country: 'AU',
        email: 'cy.cluster.4417@example.org',
      });
      const dee = await signup(source.app, {
        handle: 'dee_cluster_au',
        country: 'AU',
        email: 'dee.cluster.9@example.org',
      });
      const kai = await signup(source.app, { handle: 'kai_cluster_nz', country: 'NZ' });
      const kaiClip = await publishTestVideo(source.ctx, kai, { caption: 'kai in the hills', media: true });
      const cyClip = await publishTestVideo(source.ctx, cy, { caption: 'reef at dawn #clustreef', media: true });
      const deePrivate = await publishTestVideo(source.ctx, dee, { caption: 'just me', visibility: 'private' });
      const avaClip = await publishTestVideo(source.ctx, ava, { caption: 'home #clustreef', media: true });
      // Ava uses cy's sound: her clip stays, its link to the sound leaves with au.
      const avaOnCySound = await publishTestVideo(source.ctx, ava, {
        caption: 'to the reef',
        soundId: cyClip.soundId!,
      });
      expect(avaOnCySound.soundId).toBe(cyClip.soundId);
      await social.follow(source, cy, dee);
      await social.follow(source, ava, cy);
      await social.follow(source, cy, ava);
      await social.follow(source, bo, ava);
      await social.follow(source, kai, ava);
      await social.like(source, ava, kaiClip.id);
      await social.like(source, ava, cyClip.id);
      await social.like(source, cy, avaClip.id);
      await social.like(source, bo, avaClip.id);
      const cyComment = await social.comment(source, cy, avaClip.id, 'lovely from au');
      await social.comment(source, ava, cyClip.id, 'lovely reef');
      await social.comment(source, bo, avaClip.id, 'bo was here');
      // Trust and safety across the border on cluster stores: ava (us) reports cy's clip (a report in us, the case
      // in au); cy reports ava's clip (a report in au, a case in us that names nobody of au); a us moderator removes
      // cy's comment on ava's clip (a case and decision about cy in us, the notice and strike in au).
      const report = (who: { token: string }, type: string, id: string) =>
        source.app.inject({
          method: 'POST',
          url: '/api/v1/reports',
          headers: bearer(who.token),
          payload: { target: { type, id }, reason: 'spam' },
        });
      expect((await report(ava, 'video', cyClip.id)).statusCode).toBe(201);
      expect((await report(cy, 'video', avaClip.id)).statusCode).toBe(201);
      expect((await report(ava, 'comment', cyComment)).statusCode).toBe(201);
      const usMod = await signup(source.app, { handle: 'mo_cluster_us', country: 'US' });
      await source.ctx.operators.add('mo_cluster_us', 'us', 'moderator');
      const queue = await source.app.inject({ url: '/api/v1/moderation/queue', headers: bearer(usMod.token) });
      const commentCase = queue.json().items.find((c: { target: { id: string } }) => c.target.id === cyComment);
      const decided = await source.app.inject({
        method: 'POST',
        url: `/api/v1/moderation/cases/${commentCase.id}/decision`,
        headers: bearer(usMod.token),
        payload: { action: 'remove', policy: 'spam', statement: 'This comment is advertising.' },
      });
      expect(decided.statusCode).toBe(200);
      const auCell = source.ctx.cells.get('au').db;
      expect(await auCell.selectFrom('moderation_notices').select(['user_id', 'strike']).execute()).toEqual([
        { user_id: cy.id, strike: 1 },
      ]);
      expect(
        (await auCell.selectFrom('moderation_cases').select('target_id').execute()).map((c) => c.target_id),
      ).toEqual([cyClip.id]);
      // Jobs: cy's data export runs to completion in au's queue; jobs naming au's users wait and fail elsewhere.
      const exp = await source.app.inject({ method: 'POST', url: '/api/v1/me/export', headers: bearer(cy.token) });
      expect(exp.statusCode).toBe(202);
      await source.ctx.queues
        .get('us')!
        .enqueue('mail.account', { userId: cy.id, kind: 'email_verification' }, { maxAttempts: 1 });
      await source.ctx.queues
        .get('eu')!
        .enqueue(
          'mail.account',
          { userId: dee.id, kind: 'email_verification' },
          { runAt: new Date(Date.now() + 3600_000) },
        );
      await source.ctx.queues.get('au')!.enqueue(
        'mail.account',
        { userId: dee.id, kind: 'email_verification' },
        {
          runAt: new Date(Date.now() + 3600_000),
        },
      );
      for (let i = 0; i < 200; i++) {
        const status = await source.app.inject({
          url: `/api/v1/me/exports/${exp.json().id}`,
          headers: bearer(cy.token),
        });
        if (status.json().status === 'ready') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const usCounts = await source.ctx.queues.get('us')!.counts();
      expect(Object.values(usCounts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect((await source.ctx.queues.get('au')!.counts()).done).toBeGreaterThan(0);
      const avaBefore = await source.ctx.directory
        .selectFrom('users')
        .selectAll()
        .where('id', '=', ava.id)
        .executeTakeFirstOrThrow();

      // The scan finds what is there before the carve-out: in PostgreSQL, in the buckets and in Redis.
      const before = await verifyAbsentEverywhere(source.config, await carve(source.ctx).manifest('au', true));
      const where = new Set(before.found.map((f) => f.file.split(':')[0]));
      expect([...where].sort()).toEqual(expect.arrayContaining(['postgres', 'redis', 's3']));

      // 1. Standalone export (PostgreSQL + S3 → SQLite + folder), twice: the second run resumes and changes nothing.
      const out = tempDir('reelm-cluster-export-');
      cleanup.push(async () => removeDir(out));
      const keyFile = join(tempDir('reelm-key-'), 'au.kek');
      writeFileSync(keyFile, generateKeyBase64());
      const first = await carve(source.ctx).exportRegion('au', out, { newKeyFile: keyFile });
      expect(first.counts).toMatchObject({ 'directory.users': 2, 'directory.videos': 1 });
      await carve(source.ctx).exportRegion('au', out, { newKeyFile: keyFile });
      const manifest = readManifest(out);
      expect(manifest.userIds).toEqual([cy.id, dee.id].sort());
      expect(manifest.emails).toEqual(['cy.cluster.4417@example.org', 'dee.cluster.9@example.org']);
      expect(manifest.videoIds).toEqual([cyClip.id, deePrivate.id].sort());

      // 2. Cluster target: the receiver's own PostgreSQL, bucket and queue.
      const target = await createPgStores(['au']);
      cleanup.push(() => target.drop());
      await s3.send(new CreateBucketCommand({ Bucket: 'reelm-au-receiver' }));
      const receiverMedia = `s3://reelm-au-receiver?endpoint=${source.s3!.endpoint}&region=us-east-1`;
      const receiverPrefix = `${source.queuePrefix}-receiver`;
      const outCluster = tempDir('reelm-cluster-target-');
      cleanup.push(async () => removeDir(outCluster));
      const keyFile2 = join(tempDir('reelm-key-'), 'au.kek');
      writeFileSync(keyFile2, generateKeyBase64());
      const toCluster = await carve(source.ctx).exportRegion('au', outCluster, {
        newKeyFile: keyFile2,
        target: {
          directoryUrl: target.directoryUrl,
          cellUrl: target.cellUrls.au!,
          mediaUrl: receiverMedia,
          mediaCredentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
          queueUrl: REDIS,
          queuePrefix: receiverPrefix,
        },
      });
      expect(toCluster.counts['queue.jobs']).toBeGreaterThanOrEqual(1);
      expect(toCluster.manifestSha256).toBe(first.manifestSha256);
      expect((await bucketText(s3, 'reelm-au-receiver')).keys).toEqual(
        expect.arrayContaining([`${cyClip.id}/master.m3u8`]),
      );

      // 3. Detach, while requests to the other regions' users and clips keep going: none may fail.
      const signedIn = await source.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { handle: bo.handle, password: PASSWORD },
      });
      const boToken = signedIn.json().token as string;
      const avaPlay = (await source.app.inject({ url: `/api/v1/videos/${avaClip.id}` })).json().playback.hls as string;
      const requests: { method?: 'GET' | 'POST'; url: string; token?: string; payload?: object; status: number }[] = [
        { url: `/api/v1/users/${ava.handle}`, status: 200 },
        { url: `/api/v1/users/${bo.handle}`, status: 200 },
        { url: `/api/v1/videos/${avaClip.id}`, token: boToken, status: 200 },
        { url: `/api/v1/videos/${avaClip.id}/comments`, status: 200 },
        { url: '/api/v1/feed/for-you', token: boToken, status: 200 },
        { url: '/api/v1/me', token: boToken, status: 200 },
        { url: avaPlay, status: 200 },
        { method: 'POST', url: '/api/v1/sessions', payload: { handle: ava.handle, password: PASSWORD }, status: 201 },
      ];
      const failures: string[] = [];
      let served = 0;
      let detaching = true;
      const traffic = (async () => {
        while (detaching) {
          for (const r of requests) {
            const res = await source.app.inject({
              method: r.method ?? 'GET',
              url: r.url,
              headers: r.token ? bearer(r.token) : {},
              ...(r.payload ? { payload: r.payload } : {}),
            });
            served += 1;
            if (res.statusCode !== r.status)
              failures.push(`${r.method ?? 'GET'} ${r.url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          }
        }
      })();
      let result: Awaited<ReturnType<CarveOut['detach']>>;
      try {
        result = await carve(source.ctx).detach('au');
      } finally {
        detaching = false;
        await traffic;
      }
      // The server's own error lines say why, should a request have failed.
      const serverErrors = source
        .logs()
        .split('\n')
        .filter((l) => l.includes('"level":50'))
        .slice(0, 2)
        .join('\n');
      expect(failures, serverErrors).toEqual([]);
      expect(served).toBeGreaterThan(requests.length);
      expect(result.certificate).toMatchObject({ manifestSha256: manifestDigest(manifest), users: 2 });
      expect(result.operatorSteps.join('\n')).toMatch(/DROP DATABASE reelm_t_\w+_au/);
      expect(result.operatorSteps.join('\n')).toContain(`aws s3 rb s3://${source.s3!.bucket('au')}`);
      expect(result.removed).toMatchObject({ 'us.follows': 1, 'us.likes': 1, 'us.comments': 1 });
      const avaAfter = await source.ctx.directory
        .selectFrom('users')
        .selectAll()
        .where('id', '=', ava.id)
        .executeTakeFirstOrThrow();
      expect(avaAfter.follower_count).toBe(avaBefore.follower_count - 1);
      expect(avaAfter.following_count).toBe(avaBefore.following_count - 1);

      // 4. What remains, scanned with independent tools: pg_dump of every database, the buckets, Redis.
      const needles = [
        ...manifest.userIds,
        ...manifest.videoIds,
        ...manifest.soundIds,
        ...manifest.emails!,
        ...manifest.handles,
      ];
      const pgStores = source.pg!;
      for (const url of [pgStores.directoryUrl, ...['us', 'eu', 'nz', 'row'].map((r) => pgStores.cellUrls[r]!)]) {
        const dump = await pgDump(url);
        expect(dump.length, url).toBeGreaterThan(1000);
        expect(tracesIn(dump, needles), url).toEqual([]);
      }
      // au's own database is emptied: every table truncated (the migrator's list of names aside), none holding a row.
      const auDump = await pgDump(pgStores.cellUrls.au!);
      expect(tracesIn(auDump, needles)).toEqual([]);
      const auDb = new pg.Client({ connectionString: pgStores.cellUrls.au! });
      await auDb.connect();
      try {
        const { rows } = await auDb.query<{ relname: string; n: string }>(
          `select relname, (xpath('/row/n/text()', query_to_xml('select count(*) as n from ' || quote_ident(relname), false, true, '')))[1]::text as n
           from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and relname not like 'kysely_migration%'`,
        );
        expect(rows.length).toBeGreaterThan(20);
        expect(rows.filter((r) => r.n !== '0')).toEqual([]);
      } finally {
        await auDb.end();
      }
      for (const r of ['us', 'eu', 'nz', 'row']) {
        expect(tracesIn((await bucketText(s3, source.s3!.bucket(r))).text, needles), r).toEqual([]);
      }
      expect((await bucketText(s3, source.s3!.bucket('us'))).keys.some((k) => k.startsWith(avaClip.id))).toBe(true);
      expect((await bucketText(s3, source.s3!.bucket('au'))).keys).toEqual([]);
      const redis = await redisText(source.queuePrefix);
      expect(redis.keys.length).toBeGreaterThan(0);
      expect(redis.keys.filter((k) => k.includes(':reelm-au:'))).toEqual([]);
      // Each key or value still naming one of them, as it is in Redis.
      expect(
        redis.text
          .split('\n')
          .filter((l) => tracesIn(l, needles).length > 0)
          .map((l) => l.slice(0, 300)),
      ).toEqual([]);
      // And verify-absent, over every store of the deployment, finds nothing either.
      const after = await verifyAbsentEverywhere(source.config, manifest);
      expect(after.found).toEqual([]);
      expect(after.scanned.filter((s) => s.startsWith('postgres'))).toHaveLength(6);
      // The same from the command line, on the deployment's own settings: exit 0 and 0 traces; a manifest naming
      // a user who is still here is found in PostgreSQL and exits 1.
      const c = source.config;
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        REELM_CONFIG: '',
        REELM_LOG_LEVEL: 'silent',
        REELM_DIRECTORY_URL: c.directoryUrl!,
        REELM_QUEUE_PREFIX: c.queuePrefix,
      };
      for (const r of c.regions) {
        const R = r.toUpperCase();
        Object.assign(env, {
          [`REELM_CELL_${R}_URL`]: c.cellUrls[r]!,
          [`REELM_MEDIA_${R}_URL`]: c.mediaUrls[r]!,
          [`REELM_MEDIA_${R}_ACCESS_KEY`]: 'testing',
          [`REELM_MEDIA_${R}_SECRET_KEY`]: 'testing',
          [`REELM_QUEUE_${R}_URL`]: REDIS,
        });
      }
      const verify = (ids: string) =>
        run('node', [BIN, 'region', 'verify-absent', 'au', '--ids-from', ids, '--data', source.dataDir], { env }).then(
          (r) => ({ code: 0, stdout: r.stdout }),
          (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
        );
      const cliAbsent = await verify(out);
      expect(cliAbsent.code, cliAbsent.stdout).toBe(0);
      expect(cliAbsent.stdout).toMatch(/^0 traces of au found/m);
      expect(cliAbsent.stdout).toMatch(/scanned bucket reelm-us: \d+ objects/);
      const fake = join(out, 'still-here.json');
      writeFileSync(
        fake,
        JSON.stringify({ ...manifest, userIds: [ava.id], handles: [], emails: [], videoIds: [], soundIds: [] }),
      );
      const present = await verify(fake);
      expect(present.code).toBe(1);
      expect(present.stdout).toContain(
        `postgres:${new URL(c.directoryUrl!).pathname.slice(1)}/users: user id ${ava.id}`,
      );

      // 5. The standalone result serves au's users and media.
      const alone = await startTestApp({ dialect: 'sqlite', dataDir: out, env: { REELM_KEK_AU_FILE: keyFile } });
      try {
        const login = await alone.app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { handle: cy.handle, password: PASSWORD },
        });
        expect(login.statusCode).toBe(201);
        const me = await alone.app.inject({ url: '/api/v1/me', headers: bearer(login.json().token) });
        expect(me.json()).toMatchObject({ id: cy.id, email: 'cy.cluster.4417@example.org', region: 'au' });
        const played = await playClip(alone, cyClip.id);
        expect(played.playlist).toContain('#EXTM3U');
        expect(played.segment).toBeGreaterThan(100);
        expect((await alone.ctx.audit.for('au').verify()).ok).toBe(true);
        // The region's trust and safety goes with it: the case about cy's clip, cy's report and cy's notice.
        const auAlone = alone.ctx.cells.get('au').db;
        expect(
          (await auAlone.selectFrom('moderation_cases').select('target_id').execute()).map((c) => c.target_id),
        ).toEqual([cyClip.id]);
        expect(await auAlone.selectFrom('reports').select(['reporter_id', 'target_id']).execute()).toEqual([
          { reporter_id: cy.id, target_id: avaClip.id },
        ]);
        expect(await auAlone.selectFrom('moderation_notices').select('user_id').execute()).toEqual([
          { user_id: cy.id },
        ]);
      } finally {
        await alone.close();
      }

      // 6. The cluster-target export boots on its own PostgreSQL, bucket and queue.
      const receiver = await startTestApp({
        dataDir: outCluster,
        pg: target,
        s3: source.s3!,
        queuePrefix: receiverPrefix,
        env: { REELM_KEK_AU_FILE: keyFile2 },
        configure: (c) => {
          c.mediaUrls = { au: receiverMedia };
        },
      });
      try {
        expect(receiver.ctx.cells.regions()).toEqual(['au']);
        const login = await receiver.app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { handle: dee.handle, password: PASSWORD },
        });
        expect(login.statusCode).toBe(201);
        const me = await receiver.app.inject({ url: '/api/v1/me', headers: bearer(login.json().token) });
        expect(me.json()).toMatchObject({ id: dee.id, email: 'dee.cluster.9@example.org' });
        expect((await playClip(receiver, cyClip.id)).segment).toBeGreaterThan(100);
        expect((await receiver.ctx.queues.get('au')!.counts()).queued).toBeGreaterThanOrEqual(1);
        expect((await receiver.ctx.audit.for('au').verify()).ok).toBe(true);
      } finally {
        await receiver.close();
      }

      // 7. A detach killed mid-way (SIGKILL once its directory step is done) finishes when run again, and leaves
      // nothing of nz either.
      const nzOut = tempDir('reelm-cluster-nz-');
      cleanup.push(async () => removeDir(nzOut));
      await carve(source.ctx).exportRegion('nz', nzOut);
      const killed = await new Promise<string | null>((ok) => {
        const child = spawn('node', [BIN, 'region', 'detach', 'nz', '--data', source.dataDir], { env });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('detach nz: removing its directory rows: done')) child.kill('SIGKILL');
        });
        child.on('exit', (_code, signal) => ok(signal));
      });
      expect(killed).toBe('SIGKILL');
      const state = JSON.parse(readFileSync(join(source.dataDir, 'carve-out', 'nz.detach-state.json'), 'utf8'));
      expect(state.steps).toHaveProperty('directory');
      expect(state.steps).not.toHaveProperty('certificate');
      // The state a remaining deployment keeps to resume holds no identifier of the people leaving.
      expect(JSON.stringify(state)).not.toContain(kai.id);
      const resumed = await run('node', [BIN, 'region', 'detach', 'nz', '--data', source.dataDir], { env });
      expect(resumed.stdout).toContain('detached nz');
      expect(resumed.stdout).toContain('left for the operator:');
      const nzAbsent = await run(
        'node',
        [BIN, 'region', 'verify-absent', 'nz', '--ids-from', nzOut, '--data', source.dataDir],
        { env },
      );
      expect(nzAbsent.stdout).toMatch(/^0 traces of nz found/m);
      expect(readManifest(nzOut).userIds).toEqual([kai.id]);
    }, 150_000);
  },
);
