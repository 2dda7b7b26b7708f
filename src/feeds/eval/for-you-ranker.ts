import { ForYouModel, type ForYouModelOptions } from '../model/for-you-model.js';
import type { EvalRanker } from './leave-one-out.js';

/**
 * Runs the live For You model under the offline protocol: training goes through ForYouModel.fit
 * and setItemContent, scoring through the same kernel the feed's score()/recommend() use.
 */
export class ForYouRanker implements EvalRanker {
  model: ForYouModel = new ForYouModel();
  private slots = new Int32Array(0);
  private buffer = new Float64Array(0);
  private historySlots: number[] = [];

  constructor(
    readonly name: string,
    private readonly items: string[],
    private readonly options: Partial<ForYouModelOptions> = {},
    private readonly titles?: Map<string, string>,
  ) {}

  fit(train: Int32Array[], itemCount: number): void {
    this.model = new ForYouModel(this.options);
    const items = this.items;
    this.model.fit(
      (function* () {
        for (let u = 0; u < train.length; u++)
          yield { userKey: String(u), items: Array.from(train[u]!, (i) => items[i]!) };
      })(),
    );
    if (this.titles !== undefined) {
      for (let i = 0; i < itemCount; i++) {
        const title = this.titles.get(items[i]!);
        if (title !== undefined) this.model.setItemContent(items[i]!, title);
      }
    }
    this.slots = Int32Array.from({ length: itemCount }, (_, i) => this.model.slotOf(items[i]!) ?? -1);
  }

  /** Re-reads scoring hyperparameters (those not baked in at fit time) without refitting. */
  retune(options: Partial<ForYouModelOptions>): void {
    Object.assign(this.model.options, options);
  }

  scoreInto(history: Int32Array, out: Float64Array): void {
    const limit = this.model.slotLimit;
    if (this.buffer.length < limit) this.buffer = new Float64Array(limit);
    this.historySlots.length = 0;
    for (const i of history) {
      const s = this.slots[i]!;
      if (s >= 0) this.historySlots.push(s);
    }
    this.model.scoreSlotsInto(this.historySlots, this.buffer);
    for (let i = 0; i < out.length; i++) {
      const s = this.slots[i]!;
      out[i] = s >= 0 ? this.buffer[s]! : -Infinity;
    }
  }
}
