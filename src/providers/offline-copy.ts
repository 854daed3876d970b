import {
  capitalize, charLimitOf, cleanSentence, containsTerm, countWords, firstSentence, fitDraft, hashString, isSocialChannel, OFFLINE_MARKER, pick, scrubAvoid,
  sentence, stableStringify, tidy,
} from './offline-text.js';
import type { OfflineBrief } from './provider.js';

/**
 * The offline provider's deliverables: the copywriter's draft and the editor's polished version.
 * Guarantees of both (see offline.provider.ts): every `mustInclude` phrase verbatim, no `avoid`
 * term (ignoring case, also in woven upstream/retrieved text), at most `maxWords` words and the
 * channel's character limit counting the marker line, brand name and tone used, and feedback
 * visibly reworks the draft.
 */

/** Reading of the feedback of a rework round. */
interface Rework {
  note: string;
  shorter: boolean;
  energetic: boolean;
  formal: boolean;
}

function reworkOf(b: OfflineBrief): Rework | undefined {
  const items = (b.feedback ?? []).map((f) => f.trim()).filter((f) => f !== '');
  const last = items[items.length - 1];
  if (last === undefined) return undefined;
  const all = items.join(' ').toLowerCase();
  return {
    // Short, so the note never crowds out the copy within the channel's limits.
    note: sentence(`Reworked (round ${items.length}): ${firstSentence(last.replace(/^[A-Za-z ]{1,20}:\s*/, ''), 10)}`),
    shorter: /short|concise|brief|tight|too long|trim|cut/.test(all),
    energetic: /energ|excit|punch|bold|lively|upbeat|fun/.test(all),
    formal: /formal|professional|serious|calm/.test(all),
  };
}

type Kind = 'social' | 'email' | 'ad' | 'article' | 'generic';

function kindOf(b: OfflineBrief): Kind {
  const t = `${b.deliverableType ?? ''} ${b.channel ?? ''}`.toLowerCase();
  if (isSocialChannel(b.channel) || /social|post|tweet/.test(t)) return 'social';
  if (/email|newsletter/.test(t)) return 'email';
  if (/\bad\b|ads|banner|landing/.test(t)) return 'ad';
  if (/article|blog/.test(t)) return 'article';
  return 'generic';
}

/** Body units with the priority they are kept in when the budget is short (lower first). */
class Units {
  readonly texts: string[] = [];
  private readonly prio: number[] = [];
  constructor(private readonly clean: (text: string) => string) {}
  add(text: string | undefined, priority: number): void {
    if (text === undefined) return;
    const t = this.clean(text);
    if (t !== '' && /[\p{L}\p{N}#]/u.test(t) && !this.texts.some((u) => u.toLowerCase() === t.toLowerCase())) {
      this.texts.push(t);
      this.prio.push(priority);
    }
  }
  order(): number[] {
    return this.texts.map((_, i) => i).sort((a, b) => (this.prio[a] ?? 0) - (this.prio[b] ?? 0) || a - b);
  }
}

/** Key-message bullets of upstream plans (`Key messages:` sections), at most `max`. */
function keyMessages(upstream: readonly string[] | undefined, max: number): string[] {
  const found: string[] = [];
  for (const text of upstream ?? []) {
    let inSection = false;
    for (const line of text.split('\n')) {
      if (/^key messages:/i.test(line.trim())) inSection = true;
      else if (inSection && /^[-*] /.test(line.trim())) found.push(line.trim().slice(2));
      else if (inSection) inSection = false;
    }
  }
  return found.slice(0, max);
}

function finish(b: OfflineBrief, units: Units, join: '\n' | ' ', maxWords: number | undefined): string {
  const draft = fitDraft({
    units: units.texts, priority: units.order(), join, mustInclude: b.mustInclude ?? [], marker: OFFLINE_MARKER,
    ...(maxWords !== undefined ? { maxWords } : {}),
    ...(charLimitOf(b.channel) !== undefined ? { maxChars: charLimitOf(b.channel) } : {}),
  });
  return scrubAvoid(draft, b.avoid, [...(b.mustInclude ?? []), OFFLINE_MARKER]);
}

/** The word budget: `maxWords`, and on "shorter" feedback about 70 % of the first-round draft. */
function budget(b: OfflineBrief, rework: Rework | undefined, baseWords: number | undefined): number | undefined {
  if (!rework?.shorter || baseWords === undefined) return b.maxWords;
  return Math.min(b.maxWords ?? Number.POSITIVE_INFINITY, Math.floor(baseWords * 0.7));
}

function composeCopy(b: OfflineBrief, rework: Rework | undefined, baseWords: number | undefined): string {
  const seed = hashString(stableStringify({ ...b, feedback: undefined }));
  const clean = (t: string): string => capitalize(scrubAvoid(tidy(t), b.avoid, [...(b.mustInclude ?? []), OFFLINE_MARKER]));
  const brand = b.brand?.trim() || 'our brand';
  const audience = (b.audience?.trim() || 'everyone').replace(/[.!?]+$/, '');
  const kind = kindOf(b);
  const energetic = rework?.energetic || /energ|excit|bold|upbeat|lively|playful/i.test(b.tone ?? '');
  const bang = energetic && !rework?.formal ? '!' : '.';
  const topic = capitalize((b.objectives?.[0] ?? b.task).trim() || 'What is new');
  const units = new Units(clean);
  if (kind === 'email') units.add(`Subject: ${brand} | ${topic}`, 1);
  if (kind === 'ad' || kind === 'article') units.add(`${brand}: ${topic}`, 1);
  if (kind === 'email') units.add(`Hi ${audience === 'everyone' ? 'there' : audience},`, 6);
  units.add(pick([
    `${brand} has something new for ${audience}${bang}`,
    `Good news for ${audience} from ${brand}${bang}`,
    `Meet the latest from ${brand}, made for ${audience}${bang}`,
  ], seed, 'opening'), 2);
  if (rework?.energetic) units.add(`Let's go${rework.formal ? '.' : '!'}`, 4);
  const banned = (text: string): boolean => (b.avoid ?? []).some((t) => containsTerm(text, t));
  for (const message of keyMessages(b.upstream, 3).filter((m) => !banned(m)).slice(0, 2)) units.add(sentence(message), 3);
  if (b.tone?.trim()) units.add(`Expect the ${brand} style: ${b.tone.trim()}${bang}`, 5);
  if (b.objectives?.[0]) units.add(`Our aim: ${capitalize(b.objectives[0].trim(), false)}.`, 5);
  const proof = b.retrieved?.find((r) => r.trim() !== '' && !banned(r)) ?? b.retrieved?.find((r) => r.trim() !== '');
  if (proof) units.add(cleanSentence(proof, b.avoid, 25), 6);
  if (kind === 'article') units.add(`${capitalize(b.task.trim())}: ${brand} walks you through it step by step.`, 7);
  units.add(pick(['Find out more today', `Discover ${brand} today`, 'Take the next step now'], seed, 'cta') + bang, 3);
  if (kind === 'email') units.add(`The ${brand} team`, 7);
  // After the opening, before the rest: a tight budget keeps the copy's first line and the note.
  if (rework) units.add(rework.note, 2.5);
  if (kind === 'social' && b.brand?.trim()) units.add(`#${brand.replace(/[^\p{L}\p{N}]+/gu, '')}`, 8);
  return finish(b, units, kind === 'social' ? ' ' : '\n', budget(b, rework, baseWords));
}

/** The copywriter's draft for the brief's channel and deliverable. */
export function writeCopy(b: OfflineBrief): string {
  const base = composeCopy(b, undefined, undefined);
  const rework = reworkOf(b);
  return rework ? composeCopy(b, rework, countWords(base)) : base;
}

/** Lines of a draft without offline markers and rework notes, polished (spacing, case, repeated punctuation). */
function polishLines(draft: string): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const raw of draft.split('\n')) {
    // Drop an earlier rework note (its sentence only: on social channels the whole draft is one line).
    let line = raw.split(OFFLINE_MARKER).join(' ').replace(/Reworked \(round \d+\):[^.!?…]*[.!?…]?/g, '');
    line = tidy(line.replace(/!{2,}/g, '!').replace(/\?{2,}/g, '?').replace(/(?<!\.)\.\.(?!\.)/g, '.'))
      .replace(/([.!?]\s+)(\p{Ll})/gu, (_, gap: string, letter: string) => gap + letter.toUpperCase());
    if (line === '' || seen.has(line.toLowerCase())) continue;
    seen.add(line.toLowerCase());
    lines.push(capitalize(line));
  }
  return lines;
}

/** `line` without its sentences that use a banned term (unless they hold a required phrase: those are scrubbed word by word later). */
function dropBannedSentences(line: string, b: OfflineBrief): string {
  const banned = (s: string): boolean => (b.avoid ?? []).some((t) => containsTerm(s, t)) && !(b.mustInclude ?? []).some((p) => s.includes(p));
  return line.split(/(?<=[.!?])\s+/).filter((s) => !banned(s)).join(' ');
}

/**
 * The editor's version of `source`. A "shorter" rework was already applied by the copywriter, so
 * the editor keeps to `maxWords` rather than shortening again.
 */
function composeEdit(b: OfflineBrief, source: string, rework: Rework | undefined): string {
  const clean = (t: string): string => capitalize(scrubAvoid(dropBannedSentences(t, b), b.avoid, [...(b.mustInclude ?? []), OFFLINE_MARKER]));
  const units = new Units(clean);
  const lines = polishLines(source);
  const isTags = (line: string): boolean => /^(#[\p{L}\p{N}_]+\s*)+$/u.test(line);
  // Sentences are the units (a social draft is one line): a tight budget drops sentences, not the whole body.
  const sentences = lines.filter((l) => !isTags(l)).flatMap((l) => l.split(/(?<=[.!?…])\s+(?=[\p{Lu}#])/u));
  sentences.forEach((line, i) => units.add(line, i === 0 ? 0 : 2));
  if (rework) units.add(rework.note, 1);
  if (rework?.energetic) units.add(`Let's go${rework.formal ? '.' : '!'}`, 1);
  lines.filter(isTags).forEach((line) => units.add(line, 2));
  return finish(b, units, kindOf(b) === 'social' ? ' ' : '\n', b.maxWords);
}

/**
 * The editor's polished version of the last upstream draft (the copywriter's own draft when there
 * is none), with the copywriter's guarantees.
 */
export function editCopy(b: OfflineBrief): string {
  const source = [...(b.upstream ?? [])].reverse().find((u) => u.trim() !== '') ?? writeCopy({ ...b, feedback: undefined });
  return composeEdit(b, source, reworkOf(b));
}
