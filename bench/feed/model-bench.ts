/**
 * For You model benchmark on real data (MicroLens-50k by default): how long a region's model takes to train,
 * how much memory it holds, and how fast it answers. The baseline, measured in the same run, is the full
 * catalogue scan that the sparse top-k must equal.
 *
 *   npm run bench:model -- [--dataset ../shared/data/microlens-50k] [--copies 4] [--queries 2000]
 * --copies trains on the dataset repeated with disjoint item keys (a catalogue N times larger).
 * Prints numbers; it is not a test.
 */
import { resolve } from 'node:path';
import { ForYouModel } from '../../src/feeds/model/for-you-model.js';
import { loadSequenceDataset, loadTitles, resolveDatasetPaths } from '../../src/feeds/eval/sequence-dataset.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function main(): void {
  const paths = resolveDatasetPaths(resolve(arg('dataset', '../shared/data/microlens-50k')));
  const copies = Number(arg('copies', '1'));
  const queries = Number(arg('queries', '2000'));
  const data = loadSequenceDataset(paths.pairs);
  const titles = paths.titles ? loadTitles(paths.titles) : new Map<string, string>();
  const key = (copy: number, item: number) => `${copy}:${data.items[item]!}`;

  const started = performance.now();
  const model = new ForYouModel();
  for (let c = 0; c < copies; c++) {
    model.fit(
      (function* () {
        for (let u = 0; u < data.sequences.length; u++)
          yield { userKey: `${c}:${data.users[u]!}`, items: Array.from(data.sequences[u]!, (i) => key(c, i)) };
      })(),
    );
  }
  const fitMs = performance.now() - started;
  for (let c = 0; c < copies; c++)
    data.items.forEach((item, i) => model.setItemContent(key(c, i), titles.get(item) ?? ''));

  // Query histories: the last 12 items of users' sequences, in order.
  const histories: string[][] = [];
  for (let q = 0; q < queries; q++) {
    const u = (q * 7919) % data.sequences.length;
    const seq = data.sequences[u]!;
    histories.push(Array.from(seq.slice(-12), (i) => key(q % copies, i)));
  }
  const time = (run: (h: string[]) => void, n: number) => {
    for (let i = 0; i < Math.min(50, n); i++) run(histories[i]!);
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      run(histories[i % histories.length]!);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b);
  };
  const sparse = time((h) => model.recommend(h, 60), queries);
  // The baseline: score every item and take the top 60 (what recommend() must equal).
  const full = time(
    (h) => {
      const scores = model.score(h);
      [...scores.values()].sort((a, b) => b - a).slice(0, 60);
    },
    Math.max(20, Math.floor(queries / 20)),
  );

  console.log(
    `dataset ${paths.pairs}: ${data.users.length * copies} users, ${data.items.length * copies} items, ${data.interactions * copies} interactions (${copies} cop${copies === 1 ? 'y' : 'ies'})`,
  );
  console.log(
    `process RSS          ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB (peak ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB)`,
  );
  console.log(
    `fit                  ${(fitMs / 1000).toFixed(2)} s (${Math.round((data.interactions * copies) / (fitMs / 1000)).toLocaleString('en')} events/s)`,
  );
  console.log(
    `model                ${model.itemCount.toLocaleString('en')} items, ${model.edgeCount.toLocaleString('en')} edges`,
  );
  console.log(
    `graph arrays         ${(model.graphBytes / 2 ** 20).toFixed(1)} MiB (${(model.graphBytes / Math.max(1, model.edgeCount)).toFixed(1)} bytes an edge)`,
  );
  console.log(
    `recommend top 60     p50 ${percentile(sparse, 0.5).toFixed(3)} ms  p99 ${percentile(sparse, 0.99).toFixed(3)} ms`,
  );
  console.log(
    `full scan (baseline) p50 ${percentile(full, 0.5).toFixed(3)} ms  p99 ${percentile(full, 0.99).toFixed(3)} ms`,
  );
  console.log(`speed-up             ${(percentile(full, 0.5) / percentile(sparse, 0.5)).toFixed(1)}× at p50`);
}

main();
