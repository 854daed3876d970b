import {
  capitalize, charLimitOf, cleanSentence, containsTerm, countWords, firstSentence, OFFLINE_MARKER, scrubAvoid,
} from './offline-text.js';
import type { OfflineBrief } from './provider.js';

/**
 * The offline provider's working notes: the strategist's plan, the researcher's findings, the
 * audience insights, the judge's verdict and a generic answer for any other role. Each starts with
 * the offline marker line (the judge's verdict is JSON: its rationale starts with the marker) and
 * never contains an `avoid` term (banned terms are counted, not named).
 */

function finish(b: OfflineBrief, lines: (string | undefined)[]): string {
  const text = [OFFLINE_MARKER, ...lines.filter((l): l is string => l !== undefined && l.trim() !== '')].join('\n');
  return scrubAvoid(text, b.avoid, [...(b.mustInclude ?? []), OFFLINE_MARKER]);
}

function brandOf(b: OfflineBrief): string {
  return b.brand?.trim() || 'the brand';
}

function guardrails(b: OfflineBrief): string[] {
  const required = (b.mustInclude ?? []).filter((p) => p.trim() !== '');
  const banned = (b.avoid ?? []).filter((t) => t.trim() !== '').length;
  return [
    required.length > 0 ? `- Include verbatim: ${required.map((p) => `"${p}"`).join(', ')}.` : undefined,
    banned > 0 ? `- Steer clear of the ${banned} banned term${banned === 1 ? '' : 's'} of the brief.` : undefined,
    b.maxWords !== undefined ? `- Keep it to at most ${b.maxWords} words.` : undefined,
    charLimitOf(b.channel) !== undefined ? `- Stay within ${charLimitOf(b.channel)} characters for ${b.channel}.` : undefined,
  ].filter((l): l is string => l !== undefined);
}

/** The strategist's plan: objectives, key messages (copy-ready, woven in by the copywriter), approach. */
export function writePlan(b: OfflineBrief): string {
  const brand = brandOf(b);
  const proof = b.retrieved?.find((r) => r.trim() !== '');
  const objectives = (b.objectives ?? []).filter((o) => o.trim() !== '');
  return finish(b, [
    `Plan for ${brand}: ${b.task}`,
    'Objectives:',
    ...(objectives.length > 0 ? objectives.map((o) => `- ${capitalize(o.trim())}`) : [`- ${capitalize(b.task.trim())}`]),
    'Key messages:',
    `- ${capitalize(brand)} is made for ${b.audience?.trim() || 'people who value it'}.`,
    proof ? `- ${cleanSentence(proof, b.avoid, 25)}` : undefined,
    '',
    'Approach:',
    `- Deliverable: ${b.deliverableType ?? 'copy'}${b.channel ? ` for ${b.channel}` : ''}.`,
    b.tone?.trim() ? `- Tone: ${b.tone.trim()}.` : undefined,
    ...guardrails(b),
  ]);
}

/** The researcher's findings from the retrieved material (or a note that none was found). */
export function writeFindings(b: OfflineBrief): string {
  const sources = (b.retrieved ?? []).filter((r) => r.trim() !== '');
  if (sources.length === 0) {
    return finish(b, [
      `Research findings for: ${b.task}`,
      'No retrieved material was found; these notes rely on the brief alone.',
      b.audience?.trim() ? `- Audience named in the brief: ${b.audience.trim()}.` : undefined,
      ...(b.objectives ?? []).map((o) => `- Objective to support: ${o.trim()}.`),
    ]);
  }
  return finish(b, [
    `Research findings for: ${b.task} (${sources.length} retrieved source${sources.length === 1 ? '' : 's'})`,
    ...sources.slice(0, 5).map((s, i) => `- [${i + 1}] ${cleanSentence(s, b.avoid, 30)}`),
    sources.length > 5 ? `- …and ${sources.length - 5} more.` : undefined,
    `Takeaway: ${brandOf(b)} can lean on these points${b.audience?.trim() ? ` for ${b.audience.trim()}` : ''}.`,
  ]);
}

/** Audience insights: who, what they want, how and where to speak to them. */
export function writeAudienceInsights(b: OfflineBrief): string {
  const audience = b.audience?.trim() || 'a general audience';
  const objectives = (b.objectives ?? []).map((o) => capitalize(o.trim(), false)).filter((o) => o !== '');
  return finish(b, [
    `Audience insights for ${brandOf(b)}: ${audience}`,
    `- Who they are: ${audience}.`,
    `- What we want from them: ${objectives.length > 0 ? objectives.join('; ') : capitalize(b.task.trim(), false)}.`,
    `- How to speak to them: ${b.tone?.trim() || 'clear and friendly'}.`,
    `- Where to reach them: ${b.channel ?? 'the planned channels'}.`,
    ...guardrails(b).filter((l) => l.startsWith('- Steer')),
  ]);
}

/**
 * The judge's verdict on the last upstream draft as JSON `{"score": 0..1, "rationale": "…"}`: the
 * mean of the checks that apply (required phrases present, no banned term, word and character
 * limits, brand named, not empty), rounded to 2 decimals.
 */
export function writeVerdict(b: OfflineBrief): string {
  const draft = [...(b.upstream ?? [])].reverse().find((u) => u.trim() !== '');
  if (draft === undefined) return JSON.stringify({ score: 0, rationale: `${OFFLINE_MARKER} Heuristic review: there is no draft to judge.` });
  const body = draft.split(OFFLINE_MARKER).join(' ');
  const checks: { score: number; note: string }[] = [];
  checks.push(countWords(body) > 0 ? { score: 1, note: 'has content' } : { score: 0, note: 'is empty' });
  const required = (b.mustInclude ?? []).filter((p) => p.trim() !== '');
  if (required.length > 0) {
    const present = required.filter((p) => draft.includes(p)).length;
    checks.push({ score: present / required.length, note: `${present}/${required.length} required phrases present` });
  }
  const banned = (b.avoid ?? []).filter((t) => t.trim() !== '');
  if (banned.length > 0) {
    const hits = banned.filter((t) => containsTerm(draft, t) && !required.some((p) => containsTerm(p, t))).length;
    checks.push({ score: hits === 0 ? 1 : 0, note: hits === 0 ? 'no banned terms' : `${hits} banned term${hits === 1 ? '' : 's'} used` });
  }
  if (b.maxWords !== undefined) {
    const words = countWords(draft);
    checks.push({ score: words <= b.maxWords ? 1 : b.maxWords / words, note: `${words}/${b.maxWords} words` });
  }
  const chars = charLimitOf(b.channel);
  if (chars !== undefined) checks.push({ score: draft.length <= chars ? 1 : chars / draft.length, note: `${draft.length}/${chars} characters` });
  if (b.brand?.trim()) {
    const named = containsTerm(draft, b.brand);
    checks.push({ score: named ? 1 : 0.5, note: named ? 'brand named' : 'brand not named' });
  }
  const score = Math.round((checks.reduce((s, c) => s + c.score, 0) / checks.length) * 100) / 100;
  const rationale = scrubAvoid(`${OFFLINE_MARKER} Heuristic review: ${checks.map((c) => c.note).join('; ')}. Score ${score.toFixed(2)}.`, b.avoid, [OFFLINE_MARKER]);
  return JSON.stringify({ score, rationale });
}

/** Any other role: its notes on the task with the brief's facts. */
export function writeGeneric(b: OfflineBrief): string {
  return finish(b, [
    `${capitalize(b.role.trim() || 'assistant')} notes for ${brandOf(b)}: ${b.task}`,
    b.audience?.trim() ? `- Audience: ${b.audience.trim()}.` : undefined,
    ...(b.objectives ?? []).map((o) => `- Objective: ${o.trim()}.`),
    b.tone?.trim() ? `- Tone: ${b.tone.trim()}.` : undefined,
    ...(b.upstream ?? []).slice(-1).map((u) => `- Builds on: ${firstSentence(u.split(OFFLINE_MARKER).join(' '), 25)}`),
    ...guardrails(b),
  ]);
}

/** The reply without a brief: a placeholder that quotes the start of the last user message. */
export function writeReply(lastUserMessage: string | undefined): string {
  const said = lastUserMessage?.trim();
  return [
    OFFLINE_MARKER,
    'No language model is configured, so this is a deterministic placeholder reply.',
    said ? `Your request began: "${firstSentence(said, 30)}"` : 'There was no user message to answer.',
  ].join('\n');
}
