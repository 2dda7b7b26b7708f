import { Command } from 'commander';
import type { AppContext } from '../context.js';
import { dataKeyOf } from '../regions/cells.js';
import { listOutbox, showOutbox, type OutboxEntry } from './mailer.js';

type WithContext = <T>(opts: { data?: string }, fn: (ctx: AppContext) => Promise<T>) => Promise<T>;

function regionsOf(ctx: AppContext, region: string | undefined): string[] {
  if (region === undefined) return ctx.cells.regions();
  if (!ctx.cells.has(region))
    throw new Error(`unknown region "${region}" (regions: ${ctx.cells.regions().join(', ')})`);
  return [region];
}

/**
 * `reelm mail list|show`: the outboxes of the cells (mail kept when no SMTP server is configured). `show` opens
 * an entry with its recipient's data key; it runs where the cell's keys are, like every operator tool.
 */
export function mailCommand(withContext: WithContext): Command {
  const mail = new Command('mail').description("each cell's outbox (mail kept when REELM_SMTP_URL is not set)");
  mail
    .command('list')
    .description('the newest mail in the outboxes, without addresses')
    .option('--region <region>', 'one region only')
    .option('--limit <n>', 'entries per region (default 50)', (v) => Number(v))
    .option('--data <dir>', 'data folder')
    .action(async (opts: { region?: string; limit?: number; data?: string }) => {
      const rows = await withContext(opts, async (ctx) => {
        const out: (OutboxEntry & { region: string })[] = [];
        for (const region of regionsOf(ctx, opts.region))
          for (const entry of await listOutbox(ctx.cells.get(region).db, opts.limit || 50))
            out.push({ ...entry, region });
        return out;
      });
      if (rows.length === 0) console.log('no mail in the outbox');
      for (const r of rows) console.log(`${r.id}  ${r.region}  ${r.createdAt}  ${r.kind}  ${r.language}  ${r.subject}`);
    });
  mail
    .command('show <id>')
    .description('one mail: recipient, subject and text')
    .option('--region <region>', 'the region whose outbox has it (default: look in every region)')
    .option('--html', 'print the HTML part instead of the text')
    .option('--data <dir>', 'data folder')
    .action(async (id: string, opts: { region?: string; html?: boolean; data?: string }) => {
      const found = await withContext(opts, async (ctx) => {
        for (const region of regionsOf(ctx, opts.region)) {
          const cell = ctx.cells.get(region);
          const entry = await showOutbox(cell.db, id, (userId) => dataKeyOf(cell, userId));
          if (entry) return { ...entry, region };
        }
        return undefined;
      });
      if (!found) throw new Error(`no mail ${id} in the outbox (or its recipient's key was destroyed)`);
      console.log(`To: ${found.to}\nSubject: ${found.subject}\nRegion: ${found.region}\nDate: ${found.createdAt}\n`);
      console.log(opts.html ? found.html : found.text);
    });
  return mail;
}
