import type { AppContext } from '../../src/context.js';
import { listOutbox, showOutbox, type OpenedOutboxEntry, type OutboxEntry } from '../../src/mail/mailer.js';
import { dataKeyOf } from '../../src/regions/cells.js';

/** A cell's outbox entry opened with its recipient's data key, as `reelm mail show` does. */
export function openMail(ctx: AppContext, region: string, id: string): Promise<OpenedOutboxEntry | undefined> {
  const cell = ctx.cells.get(region);
  return showOutbox(cell.db, id, (userId) => dataKeyOf(cell, userId));
}

/**
 * Waits (up to 10 s) for a mail in a cell's outbox (the embedded default, filled by the mail job) that `listed`
 * and then `opened` accept, and answers it opened.
 */
export async function waitForMail(
  ctx: AppContext,
  region: string,
  listed: (entry: OutboxEntry) => boolean,
  opened: (entry: OpenedOutboxEntry) => boolean = () => true,
): Promise<OpenedOutboxEntry> {
  const cell = ctx.cells.get(region);
  for (let i = 0; i < 500; i++) {
    for (const entry of await listOutbox(cell.db)) {
      if (!listed(entry)) continue;
      const mail = await openMail(ctx, region, entry.id);
      if (mail && opened(mail)) return mail;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no such mail in ${region}'s outbox`);
}
