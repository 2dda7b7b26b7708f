import { describe, expect, it } from 'vitest';
import { MIN_SCORE, passwordStrength } from './password-strength.js';

describe('password strength', () => {
  it('refuses the issue’s examples and accepts a passphrase', () => {
    for (const weak of ['password12', 'qwerty123456', '1234567890', 'dana_rocks_2024'])
      expect(passwordStrength(weak, ['dana_rocks']).score, weak).toBeLessThan(MIN_SCORE);
    expect(passwordStrength('a long enough passphrase', ['dana']).score).toBeGreaterThanOrEqual(MIN_SCORE);
  });

  it('says why a password is weak', () => {
    expect(passwordStrength('qwerty123456', []).reason).toMatch(/\w/);
  });

  it('counts the account’s own words as known', () => {
    const alone = passwordStrength('mariposa.violeta', []).score;
    expect(passwordStrength('mariposa.violeta', ['mariposa.violeta']).score).toBeLessThan(alone);
  });
});
