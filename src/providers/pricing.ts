/**
 * Model prices: USD per 1M input tokens and per 1M output tokens, and the cost of a call from its
 * usage. The built-in table holds list prices of common OpenAI and Anthropic models (standard tier,
 * no batch, cache or long-context adjustments); prices change, so every provider takes a `prices`
 * option that overrides or extends it (see {@link mergePrices}).
 *
 * A model matches an entry by its exact name, or by the name of an entry followed by a dated
 * snapshot suffix (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`, `…-latest`). An unknown model
 * costs 0 and is reported with `known: false` so callers can log or meter it as unpriced.
 */

/** The price of one model, USD per 1M tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
}

/** Prices by model name. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** Token counts of one call. */
export interface UsageTokens {
  inputTokens: number;
  outputTokens: number;
}

/** What a call cost, and whether the model's price was known. */
export interface PriceQuote {
  /** Cost in USD (0 for an unknown model). */
  costUsd: number;
  /** False when no entry matched: the cost is then 0, not the real price. */
  known: boolean;
  /** The table entry that priced the call (`gpt-4o` for `gpt-4o-2024-08-06`). */
  entry?: string;
}

const p = (inputPerMTok: number, outputPerMTok: number): ModelPrice => ({ inputPerMTok, outputPerMTok });

/**
 * The built-in price table: list prices (standard tier, short context) from the vendors' pricing
 * pages as of 2026, current models and the older ones still callable, plus the offline provider's
 * free "model". Models without a published flat price (e.g. `claude-haiku-5-5`, priced "from") are
 * left out: they report `known: false` until priced through `prices`.
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  // OpenAI: GPT-5.4 family (current), GPT-5, GPT-4.1, GPT-4o, o-series
  'gpt-5.4': p(2.5, 15),
  'gpt-5.4-mini': p(0.75, 4.5),
  'gpt-5.4-nano': p(0.2, 1.25),
  'gpt-5': p(1.25, 10),
  'gpt-5-mini': p(0.25, 2),
  'gpt-5-nano': p(0.05, 0.4),
  'gpt-4.1': p(2, 8),
  'gpt-4.1-mini': p(0.4, 1.6),
  'gpt-4.1-nano': p(0.1, 0.4),
  'gpt-4o': p(2.5, 10),
  'gpt-4o-mini': p(0.15, 0.6),
  'o4-mini': p(1.1, 4.4),
  'o3': p(2, 8),
  'o3-mini': p(1.1, 4.4),
  // Anthropic: Claude 5.x (current), 4.x
  'claude-fable-5-1': p(10, 50),
  'claude-fable-5': p(10, 50),
  'claude-opus-5-5': p(4, 20),
  'claude-opus-5': p(5, 25),
  'claude-sonnet-5-5': p(2, 10),
  'claude-sonnet-5': p(2, 10),
  'claude-opus-4-8': p(5, 25),
  'claude-opus-4-7': p(5, 25),
  'claude-opus-4-6': p(5, 25),
  'claude-opus-4-5': p(5, 25),
  'claude-opus-4-1': p(15, 75),
  'claude-opus-4-0': p(15, 75),
  'claude-sonnet-4-6': p(3, 15),
  'claude-sonnet-4-5': p(3, 15),
  'claude-sonnet-4-0': p(3, 15),
  'claude-haiku-4-5': p(1, 5),
  'claude-3-5-haiku': p(0.8, 4),
  // Offline drafts are free.
  offline: p(0, 0),
});

/** Dated snapshot suffixes a model name may carry after a table entry's name. */
const SNAPSHOT_SUFFIX = /^-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/** The default table with `overrides` on top (an override replaces a whole entry). */
export function mergePrices(overrides?: Readonly<Record<string, ModelPrice>>, base: PriceTable = DEFAULT_PRICES): PriceTable {
  return overrides ? Object.freeze({ ...base, ...overrides }) : base;
}

/** The table entry for `model`: exact name first, then an entry plus a snapshot suffix. */
export function findPrice(model: string, table: PriceTable = DEFAULT_PRICES): { entry: string; price: ModelPrice } | undefined {
  const exact = table[model];
  if (exact) return { entry: model, price: exact };
  let best: string | undefined;
  for (const name of Object.keys(table)) {
    if (model.startsWith(name) && SNAPSHOT_SUFFIX.test(model.slice(name.length)) && (!best || name.length > best.length)) best = name;
  }
  const price = best === undefined ? undefined : table[best];
  return best !== undefined && price ? { entry: best, price } : undefined;
}

/**
 * The cost of a call of `model` with `usage` tokens. Unknown models cost 0 with `known: false`.
 * Costs are rounded to 1e-9 USD so sums stay stable.
 */
export function priceOf(model: string, usage: UsageTokens, table: PriceTable = DEFAULT_PRICES): PriceQuote {
  const found = findPrice(model, table);
  if (!found) return { costUsd: 0, known: false };
  const raw = (usage.inputTokens * found.price.inputPerMTok + usage.outputTokens * found.price.outputPerMTok) / 1_000_000;
  return { costUsd: Math.round(raw * 1e9) / 1e9, known: true, entry: found.entry };
}
