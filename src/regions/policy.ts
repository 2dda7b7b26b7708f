import type { Config, RegionPolicy } from '../config.js';

export interface ResolvedPolicy {
  minAge: number;
  teen: {
    until: number;
    privateAccount: boolean;
    whoCanComment: RegionPolicy['teenDefaults']['whoCanComment'];
    directMessages: boolean;
  };
  features: Record<string, boolean>;
  requireVerifiedEmail: boolean;
  moderation: RegionPolicy['moderation'];
}

/** A region's policy (config `policies.<region>`), with the defaults filled in. */
export function regionPolicy(config: Pick<Config, 'policies'>, region: string): ResolvedPolicy {
  const p = config.policies[region];
  return {
    minAge: p?.minAge ?? 13,
    teen: {
      until: p?.teenUntil ?? 16,
      privateAccount: p?.teenDefaults.privateAccount ?? true,
      whoCanComment: p?.teenDefaults.whoCanComment ?? 'followers',
      directMessages: p?.teenDefaults.directMessages ?? false,
    },
    features: { ...p?.features },
    requireVerifiedEmail: p?.requireVerifiedEmail ?? false,
    moderation: { strikesToSuspend: 3, autoSuspendDays: 7, appealDays: 180, ...p?.moderation },
  };
}

/**
 * Whether a feature (e.g. `directMessages`, `duets`) is on in a region; features are on unless the
 * region's policy turns them off. For a teen, `directMessages` also follows the region's teen default.
 */
export function featureEnabled(
  config: Pick<Config, 'policies'>,
  region: string,
  feature: string,
  options: { teen?: boolean } = {},
): boolean {
  const policy = regionPolicy(config, region);
  if (policy.features[feature] === false) return false;
  if (options.teen && feature === 'directMessages') return policy.teen.directMessages;
  return true;
}
