import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

/** The lowest zxcvbn score accepted (3: "safely unguessable", about 10^8 guesses and more). */
export const MIN_SCORE = 3;

// Built once: loading the dictionaries takes a while, checking a password afterwards a few milliseconds.
let factory: ZxcvbnFactory | undefined;

function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return factory;
}

/**
 * How guessable a password is, by zxcvbn-ts, with the account's own words (handle, address) counted as
 * known to an attacker. `reason` is zxcvbn's warning and suggestions in English, for the form to show.
 */
export function passwordStrength(password: string, userInputs: string[]): { score: number; reason: string } {
  // zxcvbn's matching is quadratic in the length; the first 100 characters decide anyway.
  const result = estimator().check(password.slice(0, 100), userInputs.filter(Boolean));
  const parts = [result.feedback.warning, ...result.feedback.suggestions].filter((s): s is string => !!s);
  return { score: result.score, reason: parts.join(' ') };
}
