import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { CellDb } from '../db/schema.js';
import type { CellRegistry } from './cells.js';

export const GENESIS_HASH = '0'.repeat(64);
const BATCH = 500;

/** JSON with object keys sorted at every level, so one value has exactly one encoding. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface ChainLink {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  /** Canonical JSON text, hashed as stored. */
  details: string;
  prev_hash: string;
}

/** SHA-256 over the canonical encoding of (seq, at, actor, action, subject, details, prev_hash). */
export function entryHash(link: ChainLink): string {
  const encoded = canonicalJson([
    link.seq,
    link.at,
    link.actor,
    link.action,
    link.subject,
    link.details,
    link.prev_hash,
  ]);
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}

export function auditKeyPath(dataDir: string, region: string): string {
  return join(dataDir, 'keys', `${region}.audit.ed25519`);
}

/** A region's Ed25519 signing key for checkpoints, generated on first use next to the region's KEK. */
export function loadOrCreateAuditKey(dataDir: string, region: string): KeyObject {
  const file = auditKeyPath(dataDir, region);
  if (!existsSync(file)) {
    mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return createPrivateKey(readFileSync(file, 'utf8'));
}

function signedMessage(region: string, seq: number, hash: string): Buffer {
  return Buffer.from(`reelm-audit:${region}:${seq}:${hash}`, 'utf8');
}

export function signCheckpoint(key: KeyObject, region: string, seq: number, hash: string): string {
  return sign(null, signedMessage(region, seq, hash), key).toString('base64');
}

export function verifyCheckpoint(
  publicKey: KeyObject,
  region: string,
  seq: number,
  hash: string,
  signature: string,
): boolean {
  try {
    return verify(null, signedMessage(region, seq, hash), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export interface AuditInput {
  /** Who acted: a user or operator id, or `system` / `cli` for region operations. */
  actor: string;
  action: string;
  /** Whose data or what object; '' when none. */
  subject?: string;
  /** Ids, field names, counts and codes only — never a protected value. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type VerifyResult =
  | { ok: true; count: number; head: string; checkpoints: number }
  | { ok: false; count: number; seq: number; problem: string };

export interface AuditChainDeps {
  region: string;
  db: Kysely<CellDb>;
  key: KeyObject;
  now: () => Date;
  /** A signed checkpoint every this many entries. */
  checkpointEvery: number;
}

/**
 * One region's append-only, hash-chained audit log in that region's cell. Each entry carries the hash of
 * the previous one; a signed checkpoint is stored every N entries and on demand, and a signed head is
 * rewritten on every append, so editing, deleting, inserting, reordering or cutting off entries is caught.
 */
export class AuditChain {
  readonly region: string;
  private readonly publicKey: KeyObject;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: AuditChainDeps) {
    this.region = deps.region;
    this.publicKey = createPublicKey(deps.key);
  }

  /** Appends one entry; appends within this process are serialised so seq and prev_hash never race. */
  append(input: AuditInput): Promise<{ seq: number; hash: string }> {
    const run = this.queue.then(() => this.deps.db.transaction().execute((tx) => this.appendIn(tx, input)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendIn(tx: Transaction<CellDb>, input: AuditInput): Promise<{ seq: number; hash: string }> {
    const last = await tx
      .selectFrom('audit_entries')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const link: ChainLink = {
      seq: (last?.seq ?? 0) + 1,
      at: this.deps.now().toISOString(),
      actor: input.actor,
      action: input.action,
      subject: input.subject ?? '',
      details: canonicalJson(input.details ?? {}),
      prev_hash: last?.hash ?? GENESIS_HASH,
    };
    const hash = entryHash(link);
    await tx
      .insertInto('audit_entries')
      .values({ ...link, hash })
      .execute();
    const signature = signCheckpoint(this.deps.key, this.region, link.seq, hash);
    await tx
      .insertInto('audit_head')
      .values({ id: 'head', seq: link.seq, hash, signature, at: link.at })
      .onConflict((oc) => oc.column('id').doUpdateSet({ seq: link.seq, hash, signature, at: link.at }))
      .execute();
    if (link.seq % this.deps.checkpointEvery === 0) {
      await tx.insertInto('audit_checkpoints').values({ seq: link.seq, hash, signature, at: link.at }).execute();
    }
    return { seq: link.seq, hash };
  }

  /** Signs and stores a checkpoint at the current head (no-op on an empty chain or an existing checkpoint). */
  async checkpoint(): Promise<{ seq: number; hash: string; signature: string } | undefined> {
    const run = this.queue.then(async () => {
      const head = await this.head();
      if (!head) return undefined;
      const signature = signCheckpoint(this.deps.key, this.region, head.seq, head.hash);
      await this.deps.db
        .insertInto('audit_checkpoints')
        .values({ seq: head.seq, hash: head.hash, signature, at: this.deps.now().toISOString() })
        .onConflict((oc) => oc.column('seq').doNothing())
        .execute();
      return { ...head, signature };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async head(): Promise<{ seq: number; hash: string } | undefined> {
    return this.deps.db
      .selectFrom('audit_entries')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Entries newest first, keyset-paginated by seq. */
  async list(options: { beforeSeq?: number; limit: number; action?: string }): Promise<AuditEntry[]> {
    let q = this.deps.db.selectFrom('audit_entries').selectAll().orderBy('seq', 'desc').limit(options.limit);
    if (options.beforeSeq !== undefined) q = q.where('seq', '<', options.beforeSeq);
    if (options.action) q = q.where('action', '=', options.action);
    const rows = await q.execute();
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      details: JSON.parse(r.details) as Record<string, unknown>,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /** Signs arbitrary canonical content with the region's audit key (destruction certificates). */
  signStatement(statement: string): string {
    return sign(null, Buffer.from(statement, 'utf8'), this.deps.key).toString('base64');
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Recomputes every link and checks every signature; reports the first entry that breaks. */
  async verify(): Promise<VerifyResult> {
    const db = this.deps.db;
    let expected = 1;
    let prev = GENESIS_HASH;
    const hashes = new Map<number, string>();
    const checkpoints = await db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
    const wanted = new Set(checkpoints.map((c) => c.seq));
    for (;;) {
      const rows = await db
        .selectFrom('audit_entries')
        .selectAll()
        .where('seq', '>=', expected)
        .orderBy('seq')
        .limit(BATCH)
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        const count = expected - 1;
        if (row.seq !== expected)
          return { ok: false, count, seq: expected, problem: `entry ${expected} is missing (found ${row.seq} next)` };
        if (row.prev_hash !== prev)
          return {
            ok: false,
            count,
            seq: row.seq,
            problem: `entry ${row.seq} does not link to entry ${row.seq - 1} (prev_hash differs)`,
          };
        if (entryHash(row) !== row.hash)
          return {
            ok: false,
            count,
            seq: row.seq,
            problem: `entry ${row.seq} was altered (its hash does not match its content)`,
          };
        if (wanted.has(row.seq)) hashes.set(row.seq, row.hash);
        prev = row.hash;
        expected++;
      }
    }
    const count = expected - 1;
    for (const cp of checkpoints) {
      if (!verifyCheckpoint(this.publicKey, this.region, cp.seq, cp.hash, cp.signature)) {
        return {
          ok: false,
          count,
          seq: cp.seq,
          problem: `checkpoint at ${cp.seq} has a bad signature (forged or altered)`,
        };
      }
      const at = hashes.get(cp.seq);
      if (at === undefined)
        return {
          ok: false,
          count,
          seq: cp.seq,
          problem: `checkpoint at ${cp.seq} is past the last entry (entries were removed)`,
        };
      if (at !== cp.hash)
        return { ok: false, count, seq: cp.seq, problem: `entry ${cp.seq} differs from its signed checkpoint` };
    }
    const head = await db.selectFrom('audit_head').selectAll().where('id', '=', 'head').executeTakeFirst();
    if (count === 0 && !head) return { ok: true, count, head: GENESIS_HASH, checkpoints: 0 };
    if (!head) return { ok: false, count, seq: count, problem: 'the signed head is missing' };
    if (!verifyCheckpoint(this.publicKey, this.region, head.seq, head.hash, head.signature)) {
      return { ok: false, count, seq: head.seq, problem: 'the signed head has a bad signature (forged or altered)' };
    }
    if (head.seq !== count || head.hash !== prev) {
      return {
        ok: false,
        count,
        seq: Math.min(head.seq, count + 1),
        problem: `the chain ends at ${count} but its signed head is entry ${head.seq} (entries were added or removed)`,
      };
    }
    return { ok: true, count, head: prev, checkpoints: checkpoints.length };
  }
}

export interface AuditChainsDeps {
  cells: CellRegistry;
  dataDir: string;
  now: () => Date;
  checkpointEvery: number;
}

/** Every region's chain, opened lazily (the signing key is read or generated on first use). */
export class AuditChains {
  private readonly chains = new Map<string, AuditChain>();

  constructor(private readonly deps: AuditChainsDeps) {}

  for(region: string): AuditChain {
    let chain = this.chains.get(region);
    if (!chain) {
      const cell = this.deps.cells.get(region);
      chain = new AuditChain({
        region,
        db: cell.db,
        key: loadOrCreateAuditKey(this.deps.dataDir, region),
        now: this.deps.now,
        checkpointEvery: this.deps.checkpointEvery,
      });
      this.chains.set(region, chain);
    }
    return chain;
  }

  /** Forgets a region (carve-out detach closes its cell). */
  drop(region: string): void {
    this.chains.delete(region);
  }

  /**
   * Appends one `border.rollup` entry per finished day of the flow ledger not yet in the chain: the
   * chosen batch is a daily roll-up (counts per flow type and target), so the chain grows by one entry a day.
   */
  async rollupBorderFlows(region: string): Promise<number> {
    const chain = this.for(region);
    const db = this.deps.cells.get(region).db;
    const today = this.deps.now().toISOString().slice(0, 10);
    const last = await db
      .selectFrom('audit_entries')
      .select('details')
      .where('action', '=', 'border.rollup')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const lastDay = last ? String((JSON.parse(last.details) as { day?: string }).day ?? '') : '';
    const rows = await db
      .selectFrom('border_flows')
      .selectAll()
      .where('day', '>', lastDay)
      .where('day', '<', today)
      .orderBy('day')
      .orderBy('flow')
      .orderBy('target')
      .execute();
    const days = new Map<string, { flow: string; target: string; count: number }[]>();
    for (const r of rows)
      days.set(r.day, [...(days.get(r.day) ?? []), { flow: r.flow, target: r.target, count: r.count }]);
    for (const [day, flows] of days) {
      await chain.append({
        actor: 'system',
        action: 'border.rollup',
        subject: region,
        details: { day, flows, total: flows.reduce((n, f) => n + f.count, 0) },
      });
    }
    return days.size;
  }
}
