import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, findPrice, mergePrices, priceOf } from '../../../src/providers/pricing.js';

describe('priceOf', () => {
  it('prices input and output tokens per million', () => {
    expect(priceOf('gpt-4o', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toEqual({ costUsd: 12.5, known: true, entry: 'gpt-4o' });
    expect(priceOf('gpt-4o-mini', { inputTokens: 2000, outputTokens: 1000 }).costUsd).toBeCloseTo(0.0009, 12);
    expect(priceOf('claude-haiku-4-5', { inputTokens: 1000, outputTokens: 1000 }).costUsd).toBeCloseTo(0.006, 12);
  });

  it('has the common OpenAI and Anthropic models', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o4-mini', 'gpt-5.4', 'gpt-5.4-mini', 'claude-sonnet-5-5', 'claude-opus-5-5', 'claude-haiku-4-5', 'claude-sonnet-4-5']) {
      expect(DEFAULT_PRICES[model], model).toBeDefined();
    }
  });

  it('matches dated snapshots to their model', () => {
    expect(priceOf('gpt-4o-2024-08-06', { inputTokens: 1e6, outputTokens: 0 })).toMatchObject({ costUsd: 2.5, known: true, entry: 'gpt-4o' });
    expect(findPrice('gpt-4.1-mini-2025-04-14')?.entry).toBe('gpt-4.1-mini');
    expect(findPrice('claude-sonnet-4-5-20250929')?.entry).toBe('claude-sonnet-4-5');
    expect(findPrice('claude-haiku-4-5-20251001')?.entry).toBe('claude-haiku-4-5');
  });

  it('does not take a longer unknown model for a known prefix', () => {
    expect(findPrice('gpt-4o-mini-transcribe')).toBeUndefined();
    expect(findPrice('claude-sonnet-4-9')).toBeUndefined();
  });

  it('costs 0 for an unknown model and says the price is unknown', () => {
    expect(priceOf('llama3.1:8b', { inputTokens: 5000, outputTokens: 5000 })).toEqual({ costUsd: 0, known: false });
  });

  it('costs 0 offline', () => {
    expect(priceOf('offline', { inputTokens: 123, outputTokens: 456 })).toMatchObject({ costUsd: 0, known: true });
  });

  it('takes overrides and new models from options without touching the defaults', () => {
    const table = mergePrices({ 'gpt-4o': { inputPerMTok: 1, outputPerMTok: 2 }, 'llama3.1:8b': { inputPerMTok: 0.1, outputPerMTok: 0.1 } });
    expect(priceOf('gpt-4o', { inputTokens: 1e6, outputTokens: 1e6 }, table).costUsd).toBe(3);
    expect(priceOf('llama3.1:8b', { inputTokens: 1e6, outputTokens: 0 }, table)).toMatchObject({ costUsd: 0.1, known: true });
    expect(priceOf('gpt-4o', { inputTokens: 1e6, outputTokens: 1e6 }).costUsd).toBe(12.5);
    expect(mergePrices(undefined)).toBe(DEFAULT_PRICES);
  });
});
