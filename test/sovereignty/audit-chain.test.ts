import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { entryHash, signCheckpoint } from '../../src/regions/audit-chain.js';
import { generateKeyPairSync } from 'node:crypto';
import { removeDir, startTestApp, type TestApp } from '../helpers/app.js';

/** Tampering with a region's chain by direct SQL on its cell file is caught by `verify`. */
describe('audit chain', () => {
  let t: TestApp;
  let raw: Database.Database;
  const region = 'nz';

  beforeAll(async () => {
    // Embedded on purpose: the test tampers with the cell's SQLite file directly.
    t = await startTestApp({ dialect: 'sqlite', configure: (c) => (c.auditCheckpointEvery = 4) });
    raw = new Database(join(t.dataDir, 'cells', region, 'cell.sqlite'));
  });
  afterAll(async () => {
    raw.close();
    await t.close();
    removeDir(t.dataDir);
  });

  const chain = () => t.ctx.audit.for(region);

  beforeEach(async () => {
    raw.exec('delete from audit_entries; delete from audit_checkpoints; delete from audit_head;');
    for (let i = 1; i <= 10; i++) {
      await chain().append({
        actor: `op-${i % 3}`,
        action: i % 2 ? 'access.allowed' : 'access.denied',
        subject: `user-${i}`,
        details: { fields: ['email'], n: i },
      });
    }
  });

  const rows = () => raw.prepare('select * from audit_entries order by seq').all() as Record<string, any>[];
  const expectBreak = async (seq: number | undefined, pattern: RegExp) => {
    const res = await chain().verify();
    expect(res.ok).toBe(false);
    if (res.ok) return;
    if (seq !== undefined) expect(res.seq).toBe(seq);
    expect(res.problem).toMatch(pattern);
  };

  it('verifies an untouched chain, with checkpoints every N entries and a signed head', async () => {
    const res = await chain().verify();
    expect(res).toEqual({ ok: true, count: 10, head: rows()[9]!.hash, checkpoints: 2 });
    const cps = raw.prepare('select seq from audit_checkpoints order by seq').all() as { seq: number }[];
    expect(cps.map((c) => c.seq)).toEqual([4, 8]);
    await chain().checkpoint();
    expect((await chain().verify()).ok).toBe(true);
    expect(rows()[0]!.prev_hash).toBe('0'.repeat(64));
    for (const r of rows().slice(1)) expect(r.prev_hash).toBe(rows()[r.seq - 2]!.hash);
  });

  it('catches an edited entry', async () => {
    raw.prepare('update audit_entries set details = ? where seq = 3').run('{"fields":["ips"],"n":3}');
    await expectBreak(3, /altered/);
  });

  it('catches an edited actor even when the attacker recomputes every later hash (checkpoints and head are signed)', async () => {
    const all = rows();
    all[4]!.actor = 'someone-else';
    for (let i = 4; i < all.length; i++) {
      if (i > 0) all[i]!.prev_hash = all[i - 1]!.hash;
      all[i]!.hash = entryHash(all[i] as any);
      raw
        .prepare('update audit_entries set actor = ?, prev_hash = ?, hash = ? where seq = ?')
        .run(all[i]!.actor, all[i]!.prev_hash, all[i]!.hash, all[i]!.seq);
    }
    await expectBreak(8, /checkpoint/);
  });

  it('catches a deleted entry in the middle and at the end', async () => {
    raw.prepare('delete from audit_entries where seq = 5').run();
    await expectBreak(5, /missing/);
  });

  it('catches a deleted last entry (the signed head no longer matches)', async () => {
    raw.prepare('delete from audit_entries where seq = 10').run();
    await expectBreak(undefined, /head/);
  });

  it('catches an inserted entry, even with a correctly computed hash', async () => {
    const last = rows()[9]!;
    const link = {
      seq: 11,
      at: new Date().toISOString(),
      actor: 'x',
      action: 'access.allowed',
      subject: 'u',
      details: '{}',
      prev_hash: last.hash,
    };
    raw
      .prepare('insert into audit_entries values (@seq, @at, @actor, @action, @subject, @details, @prev_hash, @hash)')
      .run({ ...link, hash: entryHash(link) });
    await expectBreak(undefined, /head/);
    raw.prepare('delete from audit_entries where seq = 11').run();
    // Shifting entries up to make room for one in the middle breaks the links.
    raw.exec(
      'update audit_entries set seq = seq + 100 where seq > 6; update audit_entries set seq = seq - 99 where seq > 100;',
    );
    const l2 = {
      seq: 7,
      at: new Date().toISOString(),
      actor: 'x',
      action: 'access.allowed',
      subject: 'u',
      details: '{}',
      prev_hash: rows()[5]!.hash,
    };
    raw
      .prepare('insert into audit_entries values (@seq, @at, @actor, @action, @subject, @details, @prev_hash, @hash)')
      .run({ ...l2, hash: entryHash(l2) });
    await expectBreak(8, /link/);
  });

  it('catches reordered entries', async () => {
    const all = rows();
    const a = all[3]!;
    const b = all[5]!;
    const swap = raw.prepare(
      'update audit_entries set at=?, actor=?, action=?, subject=?, details=?, prev_hash=?, hash=? where seq=?',
    );
    swap.run(b.at, b.actor, b.action, b.subject, b.details, b.prev_hash, b.hash, 4);
    swap.run(a.at, a.actor, a.action, a.subject, a.details, a.prev_hash, a.hash, 6);
    await expectBreak(4, /link/);
  });

  it('catches a forged checkpoint and a forged head', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const r6 = rows()[5]!;
    raw
      .prepare('insert into audit_checkpoints values (?, ?, ?, ?)')
      .run(6, r6.hash, signCheckpoint(privateKey, region, 6, r6.hash), new Date().toISOString());
    await expectBreak(6, /signature/);
    raw.prepare('delete from audit_checkpoints where seq = 6').run();
    expect((await chain().verify()).ok).toBe(true);
    raw.prepare('update audit_checkpoints set hash = ? where seq = 4').run(r6.hash);
    await expectBreak(4, /signature/);
    raw.prepare('update audit_checkpoints set hash = ? where seq = 4').run(rows()[3]!.hash);
    raw.prepare('update audit_head set signature = ?').run(signCheckpoint(privateKey, region, 10, rows()[9]!.hash));
    await expectBreak(10, /head/);
  });

  it('keeps appending correctly under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) => chain().append({ actor: 'c', action: 'test.concurrent', details: { i } })),
    );
    expect(await chain().verify()).toMatchObject({ ok: true, count: 35 });
  });
});
