/**
 * Low-level splitting helpers of the chunker: sentences, whitespace-bounded cuts and the word-boundary
 * tail used as overlap. Pure and deterministic (no locale- or ICU-dependent segmentation).
 */

/** A sentence ends at `.`, `!`, `?` or `…` (optionally followed by closing quotes/brackets) before whitespace. */
const SENTENCE_END = /[.!?…]+["'”’)\]]*(?=\s)/g;

/** Splits `text` after each sentence end; pieces keep their own text (trimmed) and are never empty. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of text.matchAll(SENTENCE_END)) {
    const end = (m.index ?? 0) + m[0].length;
    const piece = text.slice(start, end).trim();
    if (piece) out.push(piece);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/**
 * Cuts `text` into pieces of at most `budget` characters at whitespace (keeping the original
 * whitespace, newlines included, inside pieces). A single run of non-whitespace longer than `budget`
 * (a URL, base64…) cannot be cut at a word boundary and is cut hard at `budget`.
 */
export function splitAtWhitespace(text: string, budget: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > budget) {
    let cut = -1;
    for (let i = budget; i > 0; i--) {
      if (isSpace(rest.charCodeAt(i))) {
        cut = i;
        break;
      }
    }
    if (cut <= 0) cut = budget;
    const piece = rest.slice(0, cut).trimEnd();
    if (piece) out.push(piece);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) out.push(rest);
  return out;
}

/**
 * The tail of `text` of at most `max` characters starting on a word boundary (never mid-word);
 * empty when no whole word fits.
 */
export function wordTail(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text.trim();
  let start = text.length - max;
  // Starting inside a word: move forward to the next whitespace.
  if (!isSpace(text.charCodeAt(start - 1))) {
    while (start < text.length && !isSpace(text.charCodeAt(start))) start++;
  }
  return text.slice(start).trim();
}

/** Pieces of at most `budget` characters: the paragraph itself, else its sentences, else whitespace cuts. */
export function splitLong(paragraph: string, budget: number): string[] {
  if (paragraph.length <= budget) return [paragraph];
  const out: string[] = [];
  for (const sentence of splitSentences(paragraph)) {
    if (sentence.length <= budget) out.push(sentence);
    else out.push(...splitAtWhitespace(sentence, budget));
  }
  return out;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13 || code === 12 || code === 11 || code === 160 || code === 0x2028 || code === 0x2029;
}
