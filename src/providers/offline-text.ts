/**
 * Text helpers of the offline provider: word counting, deterministic choice, removal of banned
 * terms, channel limits and fitting a draft into a word and character budget. All pure: no
 * randomness, no clock.
 */

/** Marks every offline output (see offline.provider.ts for where it goes). */
export const OFFLINE_MARKER = '[offline draft]';

/** Words of `text`: runs of non-whitespace (the marker counts as 2). */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/** FNV-1a hash of `text` (32-bit, unsigned). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** One of `options`, chosen by `seed` and `salt` (deterministic). */
export function pick<T>(options: readonly [T, ...T[]], seed: number, salt: string): T {
  return options[hashString(`${seed}:${salt}`) % options.length] ?? options[0];
}

/** Character limits of channels with a hard cap. */
export const CHANNEL_CHAR_LIMITS: Readonly<Record<string, number>> = { twitter: 280, x: 280, sms: 160, bluesky: 300, threads: 500, mastodon: 500 };

const SOCIAL_CHANNELS = new Set(['twitter', 'x', 'bluesky', 'threads', 'mastodon', 'instagram', 'facebook', 'linkedin', 'tiktok', 'pinterest']);

/** The character limit of `channel` (case-insensitive), if it has one. */
export function charLimitOf(channel: string | undefined): number | undefined {
  return channel ? CHANNEL_CHAR_LIMITS[channel.trim().toLowerCase()] : undefined;
}

/** True for social channels (one paragraph, hashtags). */
export function isSocialChannel(channel: string | undefined): boolean {
  return channel !== undefined && SOCIAL_CHANNELS.has(channel.trim().toLowerCase());
}

/** True when `text` contains `term`, ignoring case. */
export function containsTerm(text: string, term: string): boolean {
  const t = term.trim().toLowerCase();
  return t !== '' && text.toLowerCase().includes(t);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Tidies spacing line by line: collapses runs of spaces, no space before punctuation. */
export function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').replace(/ +([,.;:!?…])/g, '$1').replace(/([,;:])(?=[.!?])/g, '').trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * `text` without any `avoid` term (ignoring case): each word that contains a term is removed whole
 * ("cheaper" goes with "cheap"). Occurrences inside a `protect` phrase (required phrases, the
 * marker) are kept: a required phrase that itself contains a banned term wins over the ban.
 */
export function scrubAvoid(text: string, avoid: readonly string[] | undefined, protect: readonly string[] = []): string {
  const terms = (avoid ?? []).map((t) => t.trim()).filter((t) => t !== '');
  if (terms.length === 0) return text;
  const phrases = [...new Set(protect.filter((p) => p !== ''))].sort((a, b) => b.length - a.length);
  let out = text;
  phrases.forEach((phrase, i) => {
    out = out.split(phrase).join(`\uE000${String.fromCharCode(0xe100 + i)}\uE001`);
  });
  for (let pass = 0; pass < 3; pass++) {
    const before = out;
    for (const term of terms) out = out.replace(new RegExp(`[^\\s\\uE000-\\uF8FF]*${escapeRegExp(term)}[^\\s\\uE000-\\uF8FF]*`, 'gi'), '');
    if (out === before) break;
  }
  return tidy(out).replace(/\uE000(.)\uE001/g, (_, c: string) => phrases[c.charCodeAt(0) - 0xe100] ?? '');
}

/** The first sentence of `text`, at most `maxWords` words. */
export function firstSentence(text: string, maxWords = 30): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.!?](\s|$)/);
  const sentence = end === -1 ? flat : flat.slice(0, end + 1);
  const words = sentence.split(' ');
  return words.length <= maxWords ? sentence : `${words.slice(0, maxWords).join(' ').replace(/[,;:.!?]+$/, '')}…`;
}

/**
 * The first sentence of `text` (at most `maxWords` words) that has no `avoid` term; when every
 * sentence has one, the first sentence with those words removed.
 */
export function cleanSentence(text: string, avoid: readonly string[] | undefined, maxWords = 30): string {
  const sentences = text.replace(/\s+/g, ' ').trim().split(/(?<=[.!?])\s+/).filter((s) => s !== '');
  const clean = sentences.find((s) => !(avoid ?? []).some((t) => containsTerm(s, t)));
  return firstSentence(clean ?? scrubAvoid(sentences[0] ?? '', avoid), maxWords);
}

/** `text` with a sentence end (`.` unless it ends with punctuation already). */
export function sentence(text: string, end = '.'): string {
  const t = text.trim();
  return /[.!?…]$/.test(t) ? t : `${t}${end}`;
}

/** `text` with its first letter in upper (or lower) case. */
export function capitalize(text: string, upper = true): string {
  const first = text.charAt(0);
  return (upper ? first.toUpperCase() : first.toLowerCase()) + text.slice(1);
}

/** What {@link fitDraft} assembles. */
export interface DraftParts {
  /** Body units in display order. */
  units: string[];
  /** Order in which units are kept when the budget is short (indexes into `units`); default display order. */
  priority?: number[];
  /** Joins body units: `\n` (lines) or ` ` (one paragraph, social). */
  join: '\n' | ' ';
  /** Phrases that must appear verbatim; those missing from the kept units are added on their own line (hashtags on another). */
  mustInclude: readonly string[];
  /** The last line. */
  marker: string;
  maxWords?: number;
  maxChars?: number;
}

function render(parts: DraftParts, kept: (string | undefined)[]): string {
  const body = kept.filter((u): u is string => u !== undefined && u.trim() !== '').join(parts.join);
  const missing = parts.mustInclude.filter((p) => p.trim() !== '' && !body.includes(p));
  const phrases = missing.filter((p) => !p.startsWith('#')).map((p) => sentence(p)).join(' ');
  const tags = missing.filter((p) => p.startsWith('#')).join(' ');
  return [body, phrases, tags, parts.marker].filter((l) => l !== '').join('\n');
}

function truncateWords(text: string, n: number): string {
  return `${text.split(/\s+/).slice(0, n).join(' ').replace(/[,;:.!?…-]+$/, '')}…`;
}

/**
 * The draft: as many body units as fit `maxWords` (counting every word, the marker included) and
 * `maxChars`, tried in priority order, the last one cut at a word boundary if that makes it fit
 * (at least 3 words); then the required phrases the kept units lack, and the marker. Required
 * phrases and the marker are never dropped: if they alone break the budget the draft is just them.
 */
export function fitDraft(parts: DraftParts): string {
  const fits = (text: string): boolean =>
    (parts.maxWords === undefined || countWords(text) <= parts.maxWords) && (parts.maxChars === undefined || text.length <= parts.maxChars);
  const kept: (string | undefined)[] = parts.units.map(() => undefined);
  const order = parts.priority ?? parts.units.map((_, i) => i);
  for (const i of order) {
    const unit = parts.units[i];
    if (unit === undefined || unit.trim() === '') continue;
    kept[i] = unit;
    if (fits(render(parts, kept))) continue;
    // The longest cut that fits (binary search: a longer cut never fits where a shorter one does not).
    let best: string | undefined;
    for (let lo = 3, hi = countWords(unit) - 1; lo <= hi; ) {
      const n = Math.floor((lo + hi) / 2);
      kept[i] = truncateWords(unit, n);
      if (fits(render(parts, kept))) {
        best = kept[i];
        lo = n + 1;
      } else hi = n - 1;
    }
    kept[i] = best;
  }
  return render(parts, kept);
}
