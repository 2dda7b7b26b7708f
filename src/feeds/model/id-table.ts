/**
 * A bounded key → slot table, in the spirit of Monolith's collisionless embedding table: a key
 * gets its own slot (and with it its own parameters) only after it has been seen `minCount`
 * times, the table never grows past `capacity`, and the least recently touched slots are evicted
 * when room is needed. Owners of per-slot parameters register an eviction listener to clear them.
 */
export interface IdTableOptions {
  capacity: number;
  /** Sightings a key needs before it is admitted (1 = admit at first sight). */
  minCount: number;
  /** Most keys remembered while waiting for admission. */
  pendingCapacity: number;
}

export class IdTable {
  readonly capacity: number;
  readonly minCount: number;
  readonly pendingCapacity: number;
  private readonly slots = new Map<string, number>();
  private readonly keys: (string | undefined)[] = [];
  /** Logical clock of each slot's last touch; drives least-recently-used eviction. Grown as slots are used. */
  private touched = new Float64Array(1024);
  /** Caller time (e.g. ms since epoch) of each slot's last touch; drives expire(). */
  private seenAt = new Float64Array(1024);
  private readonly free: number[] = [];
  private nextSlot = 0;
  private clock = 0;
  private pending = new Map<string, number>();
  private readonly listeners: ((slots: number[]) => void)[] = [];

  constructor(options: IdTableOptions) {
    if (!(options.capacity >= 1)) throw new RangeError('IdTable capacity must be at least 1');
    this.capacity = Math.floor(options.capacity);
    this.minCount = Math.max(1, Math.floor(options.minCount));
    this.pendingCapacity = Math.max(1, Math.floor(options.pendingCapacity));
  }

  get size(): number {
    return this.slots.size;
  }

  /** Slots in use are `< highWater`; parameter arrays may size themselves to it. */
  get highWater(): number {
    return this.nextSlot;
  }

  /** Called with the slots just freed, before they can be reused. */
  onEvict(listener: (slots: number[]) => void): void {
    this.listeners.push(listener);
  }

  get(key: string): number | undefined {
    return this.slots.get(key);
  }

  keyOf(slot: number): string | undefined {
    return this.keys[slot];
  }

  lastSeenAt(slot: number): number {
    return this.seenAt[slot] ?? 0;
  }

  /**
   * Records a sighting of `key` and returns its slot, or undefined while it is still below the
   * admission threshold. May evict the least recently touched slots to make room.
   */
  touch(key: string, at?: number): number | undefined {
    this.clock++;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.minCount > 1) {
        const seen = (this.pending.get(key) ?? 0) + 1;
        if (seen < this.minCount) {
          // A full waiting room is simply forgotten: rare keys then need minCount fresh sightings.
          if (this.pending.size >= this.pendingCapacity) this.pending = new Map();
          this.pending.set(key, seen);
          return undefined;
        }
        this.pending.delete(key);
      }
      slot = this.allocate(key);
    }
    this.touched[slot] = this.clock;
    if (at !== undefined && at > (this.seenAt[slot] ?? 0)) this.seenAt[slot] = at;
    return slot;
  }

  /** Evicts every slot last seen (caller time) before `before`; returns how many went. */
  expire(before: number): number {
    const gone: number[] = [];
    for (const slot of this.slots.values()) if ((this.seenAt[slot] ?? 0) < before) gone.push(slot);
    this.release(gone);
    return gone.length;
  }

  /** All live (key, slot) pairs. */
  *entries(): IterableIterator<[string, number]> {
    yield* this.slots.entries();
  }

  /** Plain-data snapshot for serialization. */
  snapshot(): { keys: (string | null)[]; touched: number[]; seenAt: number[]; clock: number } {
    const n = this.nextSlot;
    return {
      keys: Array.from({ length: n }, (_, i) => this.keys[i] ?? null),
      touched: Array.from(this.touched.subarray(0, n)),
      seenAt: Array.from(this.seenAt.subarray(0, n)),
      clock: this.clock,
    };
  }

  static fromSnapshot(
    options: IdTableOptions,
    snap: { keys: (string | null)[]; touched: number[]; seenAt: number[]; clock: number },
  ): IdTable {
    const table = new IdTable(options);
    if (snap.keys.length > table.capacity) throw new RangeError('snapshot larger than table capacity');
    table.nextSlot = snap.keys.length;
    table.grow(snap.keys.length);
    table.clock = snap.clock;
    snap.keys.forEach((key, slot) => {
      if (key === null) table.free.push(slot);
      else {
        table.keys[slot] = key;
        table.slots.set(key, slot);
      }
      table.touched[slot] = snap.touched[slot] ?? 0;
      table.seenAt[slot] = snap.seenAt[slot] ?? 0;
    });
    return table;
  }

  private allocate(key: string): number {
    if (this.free.length === 0 && this.nextSlot >= this.capacity) this.evictOldest();
    const slot = this.free.pop() ?? this.nextSlot++;
    this.grow(slot + 1);
    this.keys[slot] = key;
    this.slots.set(key, slot);
    this.seenAt[slot] = 0;
    return slot;
  }

  /** Room for `n` slots in the per-slot arrays (doubling, up to the capacity). */
  private grow(n: number): void {
    if (n <= this.touched.length) return;
    const length = Math.min(this.capacity, Math.max(n, this.touched.length * 2));
    const touched = new Float64Array(length);
    const seenAt = new Float64Array(length);
    touched.set(this.touched);
    seenAt.set(this.seenAt);
    this.touched = touched;
    this.seenAt = seenAt;
  }

  /** Frees the least recently touched 1/16 of the table at once, so eviction sweeps stay amortized. */
  private evictOldest(): void {
    const live = [...this.slots.values()].sort((a, b) => (this.touched[a] ?? 0) - (this.touched[b] ?? 0));
    this.release(live.slice(0, Math.max(1, Math.ceil(this.capacity / 16))));
  }

  private release(gone: number[]): void {
    if (gone.length === 0) return;
    for (const listener of this.listeners) listener(gone);
    for (const slot of gone) {
      const key = this.keys[slot];
      if (key !== undefined) this.slots.delete(key);
      this.keys[slot] = undefined;
      this.touched[slot] = 0;
      this.seenAt[slot] = 0;
      this.free.push(slot);
    }
  }
}
