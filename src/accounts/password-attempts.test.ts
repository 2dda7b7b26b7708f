import { describe, expect, it } from 'vitest';
import { MemoryAttemptStore, PasswordAttempts, TooManyAttemptsError, addressBlock } from './password-attempts.js';

describe('addressBlock', () => {
  it('counts IPv4 alone, IPv6 by its /64, and IPv4-mapped IPv6 as IPv4', () => {
    expect(addressBlock('203.0.113.5')).toBe('203.0.113.5');
    expect(addressBlock('::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(addressBlock('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(addressBlock('2001:0db8:0000:0001:ffff:0:0:9')).toBe('2001:db8:0:1::/64');
    expect(addressBlock('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressBlock('::1')).toBe('0:0:0:0::/64');
  });
});

describe('PasswordAttempts', () => {
  it('doubles the wait after the free failures, per account and address block, and clears on success', async () => {
    let now = 1_000_000;
    const attempts = new PasswordAttempts({
      store: new MemoryAttemptStore(() => new Date(now)),
      secret: Buffer.alloc(32, 1),
      now: () => new Date(now),
      free: 2,
    });
    const wrong = () => attempts.check('login:ann', '2001:db8:0:1::1', async () => false);
    expect(await wrong()).toBe(false);
    expect(await wrong()).toBe(false);
    expect(await wrong()).toBe(false); // the third failure sets a 1 s wait
    // Another address of the same /64 is the same client; another /64 is not.
    await expect(attempts.assertOpen('login:ann', '2001:db8:0:1::2')).rejects.toThrow(TooManyAttemptsError);
    await expect(attempts.assertOpen('login:ann', '2001:db8:0:2::1')).resolves.toBeUndefined();
    await expect(attempts.assertOpen('login:bob', '2001:db8:0:1::1')).resolves.toBeUndefined();
    now += 1_000;
    expect(await wrong()).toBe(false);
    const err = await attempts.assertOpen('login:ann', '2001:db8:0:1::1').catch((e: TooManyAttemptsError) => e);
    expect(err).toBeInstanceOf(TooManyAttemptsError);
    expect((err as TooManyAttemptsError).retryAfterSeconds).toBe(2);
    now += 2_000;
    expect(await attempts.check('login:ann', '2001:db8:0:1::1', async () => true)).toBe(true);
    expect(await wrong()).toBe(false);
    await expect(attempts.assertOpen('login:ann', '2001:db8:0:1::1')).resolves.toBeUndefined();
  });
});
