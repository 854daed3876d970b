/**
 * The implicit signals of an approved run and the quality score a learning gets from them. Pure:
 * the learn stage (learn.handler.ts) feeds it what it read about the run.
 */

/** Words compared at most per text: the word-level edit distance is O(n·m), so long texts are cut. */
export const EDIT_DISTANCE_MAX_WORDS = 2000;

/** The words of a text, lower-cased (letters and digits, with inner apostrophes and hyphens). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

/**
 * Levenshtein distance between two word sequences (insert, delete, substitute a word: 1 each), in
 * O(n·m) time and O(min(n, m)) memory.
 */
export function wordLevenshtein(a: readonly string[], b: readonly string[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  if (short.length === 0) return long.length;
  let prev = Array.from({ length: short.length + 1 }, (_, j) => j);
  let curr = new Array<number>(short.length + 1).fill(0);
  for (let i = 1; i <= long.length; i++) {
    curr[0] = i;
    const w = long[i - 1];
    for (let j = 1; j <= short.length; j++) {
      const cost = w === short[j - 1] ? 0 : 1;
      curr[j] = Math.min((prev[j] as number) + 1, (curr[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[short.length] as number;
}

/**
 * The normalised word-level edit distance between a first draft and the approved version: 0 for the
 * same words, 1 for nothing in common (distance / the longer text's word count). Texts longer than
 * {@link EDIT_DISTANCE_MAX_WORDS} words are compared on their first that many words.
 */
export function editDistance(first: string, approved: string): number {
  const a = words(first).slice(0, EDIT_DISTANCE_MAX_WORDS);
  const b = words(approved).slice(0, EDIT_DISTANCE_MAX_WORDS);
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 0;
  return round3(wordLevenshtein(a, b) / longest);
}

/** What the quality score of an approved deliverable rests on. */
export interface ApprovedSignals {
  /** The gate score of the approved version (0..1); null when no review report names it. */
  gateScore: number | null;
  /** Whether the approved version passed its gates (false: a person approved it over a failed gate). */
  gatePassed: boolean | null;
  /** Rework rounds in which this deliverable was written again (automatic or requested by a person). */
  reworkRounds: number;
  /** {@link editDistance} between the first draft and the approved version. */
  editDistance: number;
}

/** The score given when no review report scored the approved version. */
export const UNREVIEWED_SCORE = 0.5;
/** Lost per rework round (at most {@link MAX_COUNTED_ROUNDS} counted). */
export const REWORK_PENALTY = 0.05;
export const MAX_COUNTED_ROUNDS = 4;
/** Edits up to this share of the words are normal editing; beyond it the first draft missed. */
export const EDIT_TOLERANCE = 0.3;
/** Lost per unit of edit distance beyond the tolerance. */
export const EDIT_PENALTY = 0.3;
/** The most a version approved over a failed gate can score. */
export const FAILED_GATE_CAP = 0.5;

/**
 * The quality score of an approved deliverable (0..1, three decimals):
 *
 *   score = gate − 0.05 × min(reworkRounds, 4) − 0.3 × max(0, editDistance − 0.3)
 *
 * where `gate` is the review's score of the approved version (0.5 when unreviewed); a version a
 * person approved although it failed its gates is capped at 0.5. So an output the gates scored
 * high, approved as first written, keeps its score; every round of rework and a first draft far
 * from what shipped lower it.
 */
export function approvedQualityScore(s: ApprovedSignals): number {
  let score = s.gateScore ?? UNREVIEWED_SCORE;
  score -= REWORK_PENALTY * Math.min(Math.max(0, s.reworkRounds), MAX_COUNTED_ROUNDS);
  score -= EDIT_PENALTY * Math.max(0, s.editDistance - EDIT_TOLERANCE);
  if (s.gatePassed === false) score = Math.min(score, FAILED_GATE_CAP);
  return round3(clamp01(score));
}

/** The platform's minimum quality score for indexing when nothing configures one (`KNOWLEDGE_MIN_QUALITY_SCORE`'s default). */
export const DEFAULT_MIN_QUALITY_SCORE = 0.7;

/** Where the threshold that applied came from. */
export type ThresholdSource = 'brand' | 'tenant' | 'default';

/** The minimum quality score for indexing: the brand's override, else the tenant's policy, else the platform default. */
export function resolveThreshold(brand: number | null | undefined, tenant: number | null | undefined, fallback: number): { threshold: number; source: ThresholdSource } {
  if (typeof brand === 'number') return { threshold: brand, source: 'brand' };
  if (typeof tenant === 'number') return { threshold: tenant, source: 'tenant' };
  return { threshold: fallback, source: 'default' };
}

/** True when a score may be indexed under a threshold (at or above it). */
export function meetsThreshold(score: number, threshold: number): boolean {
  return score >= threshold - 1e-9;
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
