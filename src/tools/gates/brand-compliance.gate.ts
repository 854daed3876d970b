import type { BrandBrief } from '../agents/brand-brief.js';
import { channelRule, hashtags, wordCount } from './channel-rules.js';

/** One problem a gate found. `error` fails the gate; `warning` is reported only. */
export interface GateIssue {
  check: 'banned_term' | 'avoided_term' | 'disclaimer' | 'claim' | 'length' | 'hashtags' | 'empty' | 'score';
  severity: 'error' | 'warning';
  message: string;
}

/** Absolute claims a brand cannot usually substantiate; a template may replace the list (`claims`). */
export const DEFAULT_RISKY_CLAIMS = ['guaranteed', 'risk-free', '100% safe', 'best in the world', 'number one', '#1', 'cures', 'miracle', 'clinically proven'];

/** The text without the offline provider's marker line (it is not part of the copy). */
export function copyText(text: string): string {
  return text.split('\n').filter((l) => l.trim() !== '[offline draft]').join('\n').trim();
}

function containsTerm(text: string, term: string): boolean {
  const escaped = term.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!escaped) return false;
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu').test(text);
}

/**
 * Brand compliance of one draft: banned terms (error) and avoided terms (warning), every required
 * disclaimer verbatim (error), risky absolute claims (error), and the channel's constraints —
 * characters, hashtags — and the task's word range (error). Pure.
 */
export function checkCompliance(draft: string, brief: BrandBrief, channel: string | null, claims: readonly string[] = DEFAULT_RISKY_CLAIMS): GateIssue[] {
  const issues: GateIssue[] = [];
  const text = copyText(draft);
  if (!text) return [{ check: 'empty', severity: 'error', message: 'the draft is empty' }];
  for (const term of brief.bannedTerms) if (containsTerm(text, term)) issues.push({ check: 'banned_term', severity: 'error', message: `uses the banned term "${term}"` });
  for (const term of brief.avoidTerms) if (containsTerm(text, term)) issues.push({ check: 'avoided_term', severity: 'warning', message: `uses "${term}", which the brand avoids` });
  for (const d of brief.disclaimers) if (!text.toLowerCase().includes(d.toLowerCase())) issues.push({ check: 'disclaimer', severity: 'error', message: `misses the required disclaimer "${d}"` });
  for (const c of claims) if (containsTerm(text, c)) issues.push({ check: 'claim', severity: 'error', message: `makes the unsubstantiated claim "${c}"` });
  const rule = channelRule(channel);
  if (rule.maxChars !== null && text.length > rule.maxChars) issues.push({ check: 'length', severity: 'error', message: `is ${text.length} characters; ${channel} allows ${rule.maxChars}` });
  const tags = hashtags(text).length;
  if (tags > rule.maxHashtags) issues.push({ check: 'hashtags', severity: 'error', message: `has ${tags} hashtags; ${channel ?? 'this channel'} allows ${rule.maxHashtags}` });
  const words = wordCount(text);
  if (brief.lengthWords?.max !== undefined && words > brief.lengthWords.max) issues.push({ check: 'length', severity: 'error', message: `is ${words} words; the task allows at most ${brief.lengthWords.max}` });
  if (brief.lengthWords?.min !== undefined && words < brief.lengthWords.min) issues.push({ check: 'length', severity: 'error', message: `is ${words} words; the task asks for at least ${brief.lengthWords.min}` });
  return issues;
}
