/**
 * Offline evaluation of the For You ranker and baselines on a sequence dataset (MicroLens
 * format), following the MicroLens paper's protocol. See docs/recommender.md.
 *
 *   node dist/src/feeds/eval/eval-recs.cli.js --dataset PATH [--format seq-tsv] [--titles CSV] [--json]
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ItemKnnRanker, MostPopularRanker } from './baseline-rankers.js';
import { ForYouRanker } from './for-you-ranker.js';
import {
  buildProtocol,
  itemCounts,
  metricsFromRanks,
  rankCases,
  type EvalRanker,
  type Protocol,
  type RankingMetrics,
} from './leave-one-out.js';
import { DatasetError, loadSequenceDataset, loadTitles, resolveDatasetPaths } from './sequence-dataset.js';

interface CliArgs {
  dataset: string;
  titles: string | undefined;
  json: boolean;
}

type Metrics4 = Omit<RankingMetrics, 'cases'>;

export interface ModelReport {
  validation: Metrics4;
  test: Metrics4;
  coverage10: number;
  seconds: number;
  peakRssMb: number;
}

const RANKER = 'for-you';
/** Test targets with at most this many training interactions count as cold-start cases. */
const COLD_MAX_INTERACTIONS = 2;

function parseArgs(argv: string[]): CliArgs {
  let dataset: string | undefined;
  let titles: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new DatasetError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--dataset') dataset = value();
    else if (arg === '--titles') titles = value();
    else if (arg === '--json') json = true;
    else if (arg === '--format') {
      const format = value();
      if (format !== 'seq-tsv') throw new DatasetError(`unknown --format ${format} (supported: seq-tsv)`);
    } else throw new DatasetError(`unknown argument ${arg}`);
  }
  if (dataset === undefined)
    throw new DatasetError('usage: eval-recs --dataset PATH [--format seq-tsv] [--titles CSV] [--json]');
  return { dataset, titles, json };
}

function pick(m: RankingMetrics): Metrics4 {
  return { hr10: m.hr10, ndcg10: m.ndcg10, hr20: m.hr20, ndcg20: m.ndcg20 };
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in kilobytes
}

/** Fits on the validation split, scores it, refits on the test split (validation item included), scores that. */
function evaluate(
  make: () => EvalRanker,
  protocol: Protocol,
  itemCount: number,
): { report: ModelReport; testRanks: Int32Array } {
  const started = performance.now();
  const validationModel = make();
  validationModel.fit(protocol.validation.train, itemCount);
  const validation = metricsFromRanks(rankCases(validationModel, protocol.validation.cases, itemCount).ranks);
  const testModel = make();
  testModel.fit(protocol.test.train, itemCount);
  const { ranks, top10Items } = rankCases(testModel, protocol.test.cases, itemCount, true);
  return {
    report: {
      validation: pick(validation),
      test: pick(metricsFromRanks(ranks)),
      coverage10: (top10Items?.size ?? 0) / itemCount,
      seconds: (performance.now() - started) / 1000,
      peakRssMb: peakRssMb(),
    },
    testRanks: ranks,
  };
}

function fmt(x: number): string {
  return x.toFixed(4).replace(/^0/, '');
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let args: CliArgs;
  let paths: { pairs: string; titles: string | undefined };
  try {
    args = parseArgs(argv);
    paths = resolveDatasetPaths(args.dataset);
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
    process.stderr.write(`eval-recs: ${err.message}\n`);
    return 1;
  }
  const log = (line: string): void => void process.stdout.write(line + '\n');
  let dataset;
  let titles: Map<string, string> | undefined;
  try {
    dataset = loadSequenceDataset(paths.pairs);
    const titlesPath = args.titles ?? paths.titles;
    titles = titlesPath === undefined ? undefined : loadTitles(titlesPath);
  } catch (err) {
    if (!(err instanceof DatasetError)) throw err;
    process.stderr.write(`eval-recs: ${err.message}\n`);
    return 1;
  }
  const itemCount = dataset.items.length;
  const protocol = buildProtocol(dataset.sequences);
  log(
    `dataset ${paths.pairs}: ${dataset.users.length} users, ${itemCount} items, ${dataset.interactions} interactions`,
  );
  log(
    `protocol: last 13 items, leave-one-out; ${protocol.test.cases.length} users evaluated, ` +
      `${protocol.skippedUsers} with < 3 items used for training only; titles: ${titles === undefined ? 'none' : `${titles.size}`}`,
  );
  if (protocol.test.cases.length === 0) {
    process.stderr.write('eval-recs: no user has 3 or more items; nothing to evaluate\n');
    return 1;
  }

  const makers: [string, () => EvalRanker][] = [
    ['most-popular', () => new MostPopularRanker()],
    ['item-knn', () => new ItemKnnRanker()],
    [RANKER, () => new ForYouRanker(RANKER, dataset.items, {}, titles)],
  ];
  const models: Record<string, ModelReport> = {};
  const testRanks = new Map<string, Int32Array>();
  log('');
  log('model          split       HR@10  NDCG@10  HR@20  NDCG@20  cov@10  seconds  peakMB');
  for (const [name, make] of makers) {
    const { report, testRanks: ranks } = evaluate(make, protocol, itemCount);
    models[name] = report;
    testRanks.set(name, ranks);
    for (const split of ['validation', 'test'] as const) {
      const m = report[split];
      const tail =
        split === 'test'
          ? `  ${fmt(report.coverage10)}  ${report.seconds.toFixed(1).padStart(7)}  ${String(report.peakRssMb).padStart(6)}`
          : '';
      log(
        `${name.padEnd(14)} ${split.padEnd(10)}  ${fmt(m.hr10)}  ${fmt(m.ndcg10)}   ${fmt(m.hr20)}  ${fmt(m.ndcg20)}${tail}`,
      );
    }
  }

  let coldStart: Record<string, Metrics4 & { cases: number }> | undefined;
  if (titles !== undefined) {
    // Cold-start clips: test targets with ≤ 2 training interactions, ranked with and without titles.
    const counts = itemCounts(protocol.test.train, itemCount);
    const cold = (i: number): boolean => counts[protocol.test.cases[i]!.target]! <= COLD_MAX_INTERACTIONS;
    const without = evaluate(() => new ForYouRanker(`${RANKER}-no-content`, dataset.items, {}), protocol, itemCount);
    models[`${RANKER}-no-content`] = without.report;
    coldStart = {
      [RANKER]: metricsFromRanks(testRanks.get(RANKER)!, cold),
      [`${RANKER}-no-content`]: metricsFromRanks(without.testRanks, cold),
    };
    log('');
    log(
      `cold start (test targets with <= ${COLD_MAX_INTERACTIONS} training interactions, ${coldStart[RANKER]!.cases} cases):`,
    );
    for (const [name, m] of Object.entries(coldStart)) {
      log(
        `${name.padEnd(22)} HR@10 ${fmt(m.hr10)}  NDCG@10 ${fmt(m.ndcg10)}  HR@20 ${fmt(m.hr20)}  NDCG@20 ${fmt(m.ndcg20)}`,
      );
    }
    const m = without.report.test;
    log(`${RANKER}-no-content, all test cases: HR@10 ${fmt(m.hr10)}  NDCG@10 ${fmt(m.ndcg10)}`);
  }
  if (args.json) {
    log(
      JSON.stringify({
        dataset: paths.pairs,
        models,
        ranker: RANKER,
        ...(coldStart === undefined ? {} : { coldStart }),
      }),
    );
  }
  return 0;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`eval-recs: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
