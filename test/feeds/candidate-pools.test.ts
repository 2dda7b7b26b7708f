import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { CandidatePools, DEFAULT_POOL_OPTIONS } from '../../src/feeds/candidate-pools.js';
import type { DirectoryDb } from '../../src/db/schema.js';
import { directoryLocation } from '../../src/regions/cells.js';
import { signup, startTestApp, type TestApp } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';

/** Holds query results back while closed: the read has happened, its answer has not arrived. */
class Gate implements KyselyPlugin {
  private open: Promise<void> = Promise.resolve();
  private release = () => {};
  private reached = () => {};
  /** Resolves when a held read has run. */
  arrived: Promise<void> = Promise.resolve();

  close(): void {
    this.open = new Promise((r) => (this.release = r));
    this.arrived = new Promise((r) => (this.reached = r));
  }
  openUp(): void {
    this.release();
  }
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.reached();
    await this.open;
    return args.result;
  }
}

describe('candidate pools', () => {
  let t: TestApp;
  let reader: Kysely<DirectoryDb>;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await reader?.destroy();
    await t.destroy();
  });

  it('never takes a load that began before a clip came in for one that includes it', async () => {
    const maker = await signup(t.app, { handle: 'poolmaker', country: 'US' });
    const first = await publishTestVideo(t.ctx, maker);
    // The pools read through their own connection, so a held read does not block the writes below.
    const gate = new Gate();
    reader = openDatabase<DirectoryDb>(directoryLocation(t.config)).withPlugin(gate);
    let clock = Date.now();
    const pools = new CandidatePools(
      { directory: reader, now: () => new Date(clock) },
      { ...DEFAULT_POOL_OPTIONS, ttlMs: 60_000 },
    );
    expect((await pools.get()).fresh.map((i) => i.row.id)).toEqual([first.id]);

    // A change starts a load; its read runs, and a second clip is published before the answer arrives.
    gate.close();
    clock += 2_000;
    pools.changed();
    const during = pools.get();
    await gate.arrived;
    const second = await publishTestVideo(t.ctx, maker);
    pools.changed();
    clock += 2_000;
    const after = pools.get();
    gate.openUp();
    expect((await during).fresh.map((i) => i.row.id)).toEqual([first.id]);
    expect((await after).fresh.map((i) => i.row.id).sort()).toEqual([first.id, second.id].sort());
    expect((await pools.get()).fresh).toHaveLength(2);
  });

  it('builds a snapshot page by page in the order one read would give, ties on the publication time included', async () => {
    const maker = await signup(t.app, { handle: 'pagemaker', country: 'NZ' });
    const at = new Date(Date.now() - 3_600_000).toISOString();
    for (let i = 0; i < 7; i++)
      await publishTestVideo(t.ctx, maker, {
        publishedAt: i % 3 === 0 ? at : new Date(Date.now() - 60_000 * (i + 1)).toISOString(),
      });
    const read = async (buildPage: number, size: number) =>
      (
        await new CandidatePools(
          { directory: t.ctx.directory, now: () => new Date() },
          { ...DEFAULT_POOL_OPTIONS, ttlMs: 0, size, buildPage },
        ).get()
      ).fresh.map((i) => i.row.id);
    const whole = await read(1000, 1000);
    expect(whole.length).toBeGreaterThanOrEqual(7);
    expect(await read(2, 1000)).toEqual(whole);
    expect(await read(3, 5)).toEqual(whole.slice(0, 5));
  });
});
