import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A bad or missing dataset; the CLI prints the message and exits 1. */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** Users' item sequences in time order, with items interned to dense indices. */
export interface SequenceDataset {
  users: string[];
  /** Item indices per user, oldest first. */
  sequences: Int32Array[];
  /** Item key of each index. */
  items: string[];
  interactions: number;
}

/** Resolves `--dataset` (a folder or a `*_pairs.tsv`/`.tsv` file) to the sequence file and, if present, its sibling titles CSV. */
export function resolveDatasetPaths(path: string): { pairs: string; titles: string | undefined } {
  if (!existsSync(path)) throw new DatasetError(`dataset not found: ${path}`);
  let pairs = path;
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path).filter((f) => f.endsWith('.tsv'));
    const preferred = files.filter((f) => f.endsWith('_pairs.tsv'));
    const pick = preferred.length > 0 ? preferred : files;
    if (pick.length !== 1)
      throw new DatasetError(`expected one *_pairs.tsv (or one .tsv) in ${path}, found ${pick.length}`);
    pairs = join(path, pick[0]!);
  }
  const name = basename(pairs);
  const titles = name.endsWith('_pairs.tsv')
    ? join(dirname(pairs), name.replace(/_pairs\.tsv$/, '_titles.csv'))
    : undefined;
  return { pairs, titles: titles !== undefined && existsSync(titles) ? titles : undefined };
}

/**
 * Parses the MicroLens sequence format: one user per line, `user<TAB>item item ...` in time
 * order. Blank lines and CRLF are tolerated; item ids may be any strings without whitespace.
 */
export function parseSequences(text: string, source = 'dataset'): SequenceDataset {
  const itemIndex = new Map<string, number>();
  const items: string[] = [];
  const users: string[] = [];
  const sequences: Int32Array[] = [];
  let interactions = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const tab = line.indexOf('\t');
    if (tab <= 0)
      throw new DatasetError(
        `${source}:${i + 1}: expected "user<TAB>item item ...", got ${JSON.stringify(line.slice(0, 80))}`,
      );
    const user = line.slice(0, tab).trim();
    const keys = line
      .slice(tab + 1)
      .trim()
      .split(/\s+/)
      .filter((k) => k !== '');
    if (user === '' || keys.length === 0) throw new DatasetError(`${source}:${i + 1}: a user with no items`);
    const seq = new Int32Array(keys.length);
    keys.forEach((key, j) => {
      let idx = itemIndex.get(key);
      if (idx === undefined) {
        idx = items.length;
        itemIndex.set(key, idx);
        items.push(key);
      }
      seq[j] = idx;
    });
    users.push(user);
    sequences.push(seq);
    interactions += keys.length;
  }
  if (users.length === 0) throw new DatasetError(`${source}: no sequences`);
  return { users, sequences, items, interactions };
}

export function loadSequenceDataset(path: string): SequenceDataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatasetError(`cannot read dataset ${path}: ${(err as Error).message}`);
  }
  return parseSequences(text, path);
}

/** Parses an `item,title` CSV (RFC 4180 quoting, header row optional). */
export function parseTitles(text: string): Map<string, string> {
  const titles = new Map<string, string>();
  const rows = parseCsv(text);
  rows.forEach((row, i) => {
    if (row.length < 2) return;
    const [item, ...rest] = row;
    if (i === 0 && item === 'item') return;
    titles.set(item!.trim(), rest.join(','));
  });
  return titles;
}

export function loadTitles(path: string): Map<string, string> {
  if (!existsSync(path)) throw new DatasetError(`titles file not found: ${path}`);
  return parseTitles(readFileSync(path, 'utf8'));
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.length > 1 || row[0] !== '') rows.push(row);
  return rows;
}
