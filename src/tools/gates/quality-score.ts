import type { BrandBrief } from '../agents/brand-brief.js';
import { copyText } from './brand-compliance.gate.js';
import { channelRule, wordCount } from './channel-rules.js';

/** A score with what it rests on; `criteria` are the judge's scores per task criterion (none offline). */
export interface QualityScore {
  score: number;
  rationale: string;
  scorer: 'judge' | 'heuristic';
  criteria?: Record<string, number>;
}

/**
 * The offline quality scorer (deterministic): fit to the length asked for, the brand named, the
 * call to action present, readable sentences, preferred terms used, avoided terms absent. Each
 * criterion adds its weight; the rationale lists what was missed.
 */
export function heuristicScore(draft: string, brief: BrandBrief, channel: string | null): QualityScore {
  const text = copyText(draft);
  const lower = text.toLowerCase();
  const words = wordCount(text);
  const max = brief.lengthWords?.max ?? channelRule(channel).defaultMaxWords * 2;
  const min = brief.lengthWords?.min ?? Math.min(8, max);
  const sentences = text.split(/[.!?]+\s/).filter((s) => s.trim());
  const avgSentence = sentences.length ? words / sentences.length : words;
  const criteria: Array<[string, number, boolean]> = [
    ['length fits', 0.3, words >= min && words <= max],
    ['names the brand', 0.15, lower.includes(brief.brand.toLowerCase())],
    ['has the call to action', 0.15, brief.callToAction ? lower.includes(brief.callToAction.toLowerCase()) : /\b(learn|try|discover|join|get|shop|visit|sign up|find out|order|book)\b/i.test(text)],
    ['readable sentences', 0.2, avgSentence <= 28],
    ['uses preferred terms', 0.1, brief.preferredTerms.length === 0 || brief.preferredTerms.some((t) => lower.includes(t.toLowerCase()))],
    ['no avoided terms', 0.1, !brief.avoidTerms.some((t) => lower.includes(t.toLowerCase()))],
  ];
  const score = Math.round(criteria.reduce((s, [, w, ok]) => s + (ok ? w : 0), 0) * 100) / 100;
  const missed = criteria.filter(([, , ok]) => !ok).map(([name]) => name);
  return { score, rationale: missed.length ? `heuristic: missed ${missed.join(', ')}` : 'heuristic: meets every criterion', scorer: 'heuristic' };
}

/**
 * Reads a judge's answer `{"score": n, "criteria": {"<id>": n}, "rationale": "..."}` (also inside
 * prose); null when it has no valid overall score. Criteria scores outside 0..1 are dropped.
 */
export function parseJudgeAnswer(content: string): { score: number; rationale: string; criteria: Record<string, number> } | null {
  const match = /\{[\s\S]*\}/.exec(content);
  if (!match) return null;
  try {
    const parsed = JSON.parse(match[0]) as { score?: unknown; rationale?: unknown; criteria?: unknown };
    // A number, or a numeric string ("0.7"); Number() would read null, "", true and [0.5] as scores.
    const score = typeof parsed.score === 'number' ? parsed.score : typeof parsed.score === 'string' && parsed.score.trim() !== '' ? Number(parsed.score) : NaN;
    if (!Number.isFinite(score) || score < 0 || score > 1) return null;
    const criteria: Record<string, number> = {};
    if (parsed.criteria && typeof parsed.criteria === 'object') {
      for (const [id, v] of Object.entries(parsed.criteria as Record<string, unknown>)) if (typeof v === 'number' && v >= 0 && v <= 1) criteria[id] = v;
    }
    return { score, rationale: typeof parsed.rationale === 'string' ? parsed.rationale : '', criteria };
  } catch {
    return null;
  }
}
