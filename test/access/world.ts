import fc from 'fast-check';

/**
 * The reference for "who may see a clip", written from the product rule alone (nothing here reads src/), and
 * random plans of worlds to build through the HTTP API. The model is cumulative: one app serves every world of a
 * test file, so global surfaces (For You, trending) are judged against every clip made so far.
 */

export type Visibility = 'public' | 'followers' | 'private';
export type ClipState = 'uploading' | 'processing' | 'failed' | 'ready';
export type Moderation = 'none' | 'restricted' | 'removed';

export const COUNTRY_REGION = { US: 'us', DE: 'eu', AU: 'au', NZ: 'nz', BR: 'row' } as const;
export type Country = keyof typeof COUNTRY_REGION;
const COUNTRIES = Object.keys(COUNTRY_REGION) as Country[];

export interface MUser {
  id: string;
  handle: string;
  region: string;
  token: string;
  world: number;
  private: boolean;
  /** False once the account was deactivated: no longer a viewer, its clips gone for everyone. */
  active: boolean;
}

export interface MClip {
  id: string;
  /** `<world>.<index>`, for messages. */
  key: string;
  world: number;
  ownerId: string;
  /** The owner's region: the clip's cell. */
  region: string;
  visibility: Visibility;
  state: ClipState;
  moderation: Moderation;
  deleted: boolean;
  soundId: string | null;
  /** Whether the caption holds the world's search word. */
  hasWord: boolean;
}

export type Viewer = MUser | null;
type FollowState = 'approved' | 'pending';

export class Model {
  readonly users = new Map<string, MUser>();
  readonly clips = new Map<string, MClip>();
  private readonly follows = new Map<string, FollowState>();
  private readonly blocks = new Set<string>();

  owner(c: MClip): MUser {
    const o = this.users.get(c.ownerId);
    if (!o) throw new Error(`model: clip ${c.key} has no owner`);
    return o;
  }

  followState(a: MUser, b: MUser): FollowState | undefined {
    return this.follows.get(`${a.id}>${b.id}`);
  }

  blocked(a: MUser, b: MUser): boolean {
    return this.blocks.has(`${a.id}>${b.id}`);
  }

  blockedEither(a: MUser, b: MUser): boolean {
    return this.blocked(a, b) || this.blocked(b, a);
  }

  /** A follow request: approved at once for a public account, pending for a private one; repeating changes nothing. */
  follow(a: MUser, b: MUser): void {
    if (this.blockedEither(a, b)) throw new Error('model: follow across a block');
    const k = `${a.id}>${b.id}`;
    if (!this.follows.has(k)) this.follows.set(k, b.private ? 'pending' : 'approved');
  }

  approve(target: MUser, requester: MUser): void {
    const k = `${requester.id}>${target.id}`;
    if (this.follows.get(k) === 'pending') this.follows.set(k, 'approved');
  }

  deny(target: MUser, requester: MUser): void {
    const k = `${requester.id}>${target.id}`;
    if (this.follows.get(k) === 'pending') this.follows.delete(k);
  }

  unfollow(a: MUser, b: MUser): void {
    this.follows.delete(`${a.id}>${b.id}`);
  }

  /** A block ends follows and requests both ways; unblocking restores nothing. */
  block(a: MUser, b: MUser): void {
    this.blocks.add(`${a.id}>${b.id}`);
    this.follows.delete(`${a.id}>${b.id}`);
    this.follows.delete(`${b.id}>${a.id}`);
  }

  unblock(a: MUser, b: MUser): void {
    this.blocks.delete(`${a.id}>${b.id}`);
  }

  pendingRequestsTo(target: MUser): MUser[] {
    return [...this.users.values()].filter((u) => this.follows.get(`${u.id}>${target.id}`) === 'pending');
  }

  /** Follows (approved or pending) between users of a world, as pairs. */
  followPairs(users: MUser[]): [MUser, MUser][] {
    return users.flatMap((a) =>
      users.flatMap((b) => (this.follows.has(`${a.id}>${b.id}`) ? [[a, b] as [MUser, MUser]] : [])),
    );
  }

  blockPairs(users: MUser[]): [MUser, MUser][] {
    return users.flatMap((a) => users.flatMap((b) => (this.blocked(a, b) ? [[a, b] as [MUser, MUser]] : [])));
  }

  /** THE RULE. */
  mayView(v: Viewer, c: MClip): boolean {
    if (c.deleted) return false;
    const owner = this.owner(c);
    if (v !== null && v.id === owner.id) return true;
    if (c.state !== 'ready' || c.moderation === 'removed' || !owner.active || c.visibility === 'private') return false;
    if (v !== null && this.blockedEither(v, owner)) return false;
    if (c.visibility === 'followers' || owner.private) return v !== null && this.followState(v, owner) === 'approved';
    return true;
  }

  /** In feeds and discovery lists: open to anyone and not restricted by moderation. */
  discoverable(c: MClip): boolean {
    return this.mayView(null, c) && c.moderation === 'none';
  }

  /** Nobody but the owner may see it (whoever asks). */
  closed(c: MClip): boolean {
    const owner = this.owner(c);
    return (
      c.deleted || !owner.active || c.state !== 'ready' || c.moderation === 'removed' || c.visibility === 'private'
    );
  }

  /** A clip with everything the rule reads about it for this viewer, e.g. `clip 2.3 (followers, ready; owner @x private; follows: pending)`. */
  describe(v: Viewer, c: MClip): string {
    const owner = this.owner(c);
    const facts: string[] = [c.visibility, c.state];
    if (c.moderation !== 'none') facts.push(`moderation ${c.moderation}`);
    if (c.deleted) facts.push('deleted');
    const who = [`owner @${owner.handle}`];
    if (owner.private) who.push('private account');
    if (!owner.active) who.push('deactivated');
    const rel: string[] = [];
    if (v && v.id === owner.id) rel.push('own clip');
    else if (v) {
      rel.push(`follows owner: ${this.followState(v, owner) ?? 'no'}`);
      if (this.blocked(v, owner)) rel.push('viewer blocked owner');
      if (this.blocked(owner, v)) rel.push('owner blocked viewer');
    }
    return `clip ${c.key} (${[facts.join(', '), who.join(' '), ...rel].join('; ')})`;
  }
}

export function who(v: Viewer): string {
  return v ? `@${v.handle}` : 'visitor';
}

// ---------------------------------------------------------------------------------------------------------------
// Plans: indices are taken modulo the current candidates, so every plan is valid in every world.

export type MutationKind =
  | 'block'
  | 'unblock'
  | 'follow'
  | 'unfollow'
  | 'privateOn'
  | 'privateOff'
  | 'visibility'
  | 'delete'
  | 'moderate'
  | 'deactivate';

export interface Mutation {
  kind: MutationKind;
  a: number;
  b: number;
  approve: boolean;
  visibility: Visibility;
  moderation: Moderation;
}

export interface CommentPlan {
  u: number;
  c: number;
  mentions: number[];
}

export interface ClipPlan {
  owner: number;
  visibility: Visibility;
  state: ClipState;
  moderation: Moderation;
  word: boolean;
}

export interface Plan {
  countries: Country[];
  privateUsers: boolean[];
  follows: { a: number; b: number; approve: boolean }[];
  blocks: { a: number; b: number }[];
  clips: ClipPlan[];
  engagements: { u: number; c: number; kind: 'like' | 'favorite' }[];
  comments: CommentPlan[];
  lateComments: CommentPlan[];
  mutations: Mutation[];
}

const idx = fc.nat({ max: 999 });
const weighted = <T>(...pairs: [T, number][]) =>
  fc.oneof(...pairs.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));

const arbVisibility = weighted<Visibility>(['public', 3], ['followers', 2], ['private', 1]);
const arbModeration = weighted<Moderation>(['none', 5], ['restricted', 1], ['removed', 1]);
const arbComment = fc.record({ u: idx, c: idx, mentions: fc.array(idx, { minLength: 1, maxLength: 3 }) });

const arbMutation: fc.Arbitrary<Mutation> = fc.record({
  kind: weighted<MutationKind>(
    ['block', 3],
    ['unblock', 2],
    ['follow', 2],
    ['unfollow', 2],
    ['privateOn', 2],
    ['privateOff', 2],
    ['visibility', 3],
    ['delete', 2],
    ['moderate', 2],
    ['deactivate', 1],
  ),
  a: idx,
  b: idx,
  approve: fc.boolean(),
  visibility: arbVisibility,
  moderation: arbModeration,
});

export function arbPlan(sizes: { maxUsers: number; minClips: number; maxClips: number }): fc.Arbitrary<Plan> {
  return fc.record({
    // At least three regions in every world.
    countries: fc
      .tuple(
        fc.shuffledSubarray(COUNTRIES, { minLength: 3, maxLength: 3 }),
        fc.array(fc.constantFrom(...COUNTRIES), { minLength: 1, maxLength: sizes.maxUsers - 3 }),
      )
      .map(([a, b]) => [...a, ...b]),
    privateUsers: fc.array(weighted([true, 2], [false, 3]), { minLength: sizes.maxUsers, maxLength: sizes.maxUsers }),
    follows: fc.array(fc.record({ a: idx, b: idx, approve: weighted([true, 2], [false, 1]) }), {
      minLength: 4,
      maxLength: 14,
    }),
    blocks: fc.array(fc.record({ a: idx, b: idx }), { maxLength: 2 }),
    clips: fc.array(
      fc.record({
        owner: idx,
        visibility: arbVisibility,
        state: weighted<ClipState>(['ready', 8], ['processing', 1], ['failed', 1], ['uploading', 1]),
        moderation: arbModeration,
        word: fc.boolean(),
      }),
      { minLength: sizes.minClips, maxLength: sizes.maxClips },
    ),
    engagements: fc.array(
      fc.record({ u: idx, c: idx, kind: fc.constantFrom<'like' | 'favorite'>('like', 'favorite') }),
      {
        minLength: 4,
        maxLength: 14,
      },
    ),
    comments: fc.array(arbComment, { minLength: 3, maxLength: 8 }),
    lateComments: fc.array(arbComment, { minLength: 1, maxLength: 5 }),
    mutations: fc.array(arbMutation, { minLength: 3, maxLength: 8 }),
  });
}

export function regionOf(country: Country): string {
  return COUNTRY_REGION[country];
}
