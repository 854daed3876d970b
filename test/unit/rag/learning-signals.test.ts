import { describe, expect, it } from 'vitest';
import {
  approvedQualityScore, EDIT_DISTANCE_MAX_WORDS, editDistance, meetsThreshold, resolveThreshold, wordLevenshtein, words,
} from '../../../src/rag/learning/learning-signals.js';

describe('word-level edit distance', () => {
  it('splits text into lower-case words, keeping inner apostrophes and hyphens', () => {
    expect(words("Small-batch coffee, roasted on Monday! It's fresh.")).toEqual(['small-batch', 'coffee', 'roasted', 'on', 'monday', "it's", 'fresh']);
  });

  it('counts word insertions, deletions and substitutions', () => {
    expect(wordLevenshtein(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(0);
    expect(wordLevenshtein(['a', 'b', 'c'], ['a', 'x', 'c'])).toBe(1);
    expect(wordLevenshtein(['a', 'b', 'c'], ['a', 'c'])).toBe(1);
    expect(wordLevenshtein([], ['a', 'b'])).toBe(2);
    expect(wordLevenshtein(['kitten', 'sat', 'on', 'the', 'mat'], ['the', 'kitten', 'sat', 'on', 'a', 'mat'])).toBe(2);
  });

  it('is symmetric', () => {
    const a = words('roasted to order every week and shipped fast');
    const b = words('shipped within two days, roasted to order');
    expect(wordLevenshtein(a, b)).toBe(wordLevenshtein(b, a));
  });

  it('normalises by the longer text: 0 for the same words, 1 for nothing in common', () => {
    expect(editDistance('Fresh coffee today.', 'fresh COFFEE today')).toBe(0);
    expect(editDistance('alpha beta', 'gamma delta epsilon')).toBe(1);
    expect(editDistance('one two three four', 'one two three five')).toBe(0.25);
    expect(editDistance('', '')).toBe(0);
  });

  it('compares long texts on their first words only, so the cost stays bounded', () => {
    const long = Array.from({ length: EDIT_DISTANCE_MAX_WORDS + 3000 }, (_, i) => `w${i}`).join(' ');
    const changedTail = `${Array.from({ length: EDIT_DISTANCE_MAX_WORDS }, (_, i) => `w${i}`).join(' ')} ${'x '.repeat(3000)}`;
    const started = performance.now();
    expect(editDistance(long, changedTail)).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('quality score of an approved deliverable', () => {
  it('is the gate score for a draft approved as first written', () => {
    expect(approvedQualityScore({ gateScore: 0.9, gatePassed: true, reworkRounds: 0, editDistance: 0 })).toBe(0.9);
  });

  it('loses 0.05 per rework round, counting at most four', () => {
    expect(approvedQualityScore({ gateScore: 0.9, gatePassed: true, reworkRounds: 2, editDistance: 0 })).toBe(0.8);
    expect(approvedQualityScore({ gateScore: 0.9, gatePassed: true, reworkRounds: 9, editDistance: 0 })).toBe(0.7);
  });

  it('tolerates normal editing but loses for a first draft far from what shipped', () => {
    expect(approvedQualityScore({ gateScore: 0.9, gatePassed: true, reworkRounds: 0, editDistance: 0.3 })).toBe(0.9);
    expect(approvedQualityScore({ gateScore: 0.9, gatePassed: true, reworkRounds: 0, editDistance: 1 })).toBe(0.69);
  });

  it('caps a version approved over a failed gate at 0.5', () => {
    expect(approvedQualityScore({ gateScore: 0.95, gatePassed: false, reworkRounds: 0, editDistance: 0 })).toBe(0.5);
    expect(approvedQualityScore({ gateScore: 0.3, gatePassed: false, reworkRounds: 0, editDistance: 0 })).toBe(0.3);
  });

  it('gives an unreviewed version 0.5 and never leaves 0..1', () => {
    expect(approvedQualityScore({ gateScore: null, gatePassed: null, reworkRounds: 0, editDistance: 0 })).toBe(0.5);
    expect(approvedQualityScore({ gateScore: 0.1, gatePassed: true, reworkRounds: 4, editDistance: 1 })).toBe(0);
    expect(approvedQualityScore({ gateScore: 1.4, gatePassed: true, reworkRounds: 0, editDistance: 0 })).toBe(1);
  });
});

describe('threshold', () => {
  it('takes the brand override, else the tenant policy, else the platform default', () => {
    expect(resolveThreshold(0.9, 0.8, 0.7)).toEqual({ threshold: 0.9, source: 'brand' });
    expect(resolveThreshold(null, 0.8, 0.7)).toEqual({ threshold: 0.8, source: 'tenant' });
    expect(resolveThreshold(undefined, null, 0.7)).toEqual({ threshold: 0.7, source: 'default' });
    expect(resolveThreshold(0, 0.8, 0.7)).toEqual({ threshold: 0, source: 'brand' });
  });

  it('admits a score at or above the threshold only', () => {
    expect(meetsThreshold(0.7, 0.7)).toBe(true);
    expect(meetsThreshold(0.1 + 0.6, 0.7)).toBe(true);
    expect(meetsThreshold(0.699, 0.7)).toBe(false);
  });
});
