import { sha256Hex } from '../../storage/artifact-store.js';
import { jsonLines, markdownSections, textParagraphs, type Section } from './document-sections.js';
import { splitAtWhitespace, splitLong, wordTail } from './text-split.js';

/** A chunk of a document: its position, its text and the heading path it sits under. */
export interface Chunk {
  /** 0-based position in the document's chunk list. */
  index: number;
  text: string;
  /** `Title > Section` path of the markdown headings above it; null for text, JSON and markdown before any heading. */
  heading: string | null;
}

/** Options of {@link chunkDocument}. */
export interface ChunkOptions {
  format: 'markdown' | 'text' | 'json';
  /** Upper bound of a chunk's length in characters (overlap included). Default 1200; at least 64. */
  maxChars?: number;
  /** Length bound of the overlap a chunk repeats from the previous one. Default 150 (maxChars / 4 when smaller); below maxChars / 2. */
  overlapChars?: number;
}

export const DEFAULT_MAX_CHARS = 1200;
export const DEFAULT_OVERLAP_CHARS = 150;

/** A unit to pack, with the separator that joins it to the unit before it in the same chunk. */
interface Piece {
  text: string;
  sep: string;
}

/**
 * Splits a document into chunks for embedding, following its structure:
 * - markdown: one section per heading (ATX or setext, never inside fenced code), each section's
 *   paragraphs packed greedily into chunks; `heading` is the heading path (`Title > Section`);
 * - text: blank-line paragraphs packed the same way (one section, heading null);
 * - json: flattened to `path: value` lines (see {@link jsonLines}), packed one line per unit.
 *
 * A paragraph longer than a chunk's budget is split on sentence boundaries, then at whitespace (a
 * single run of non-whitespace longer than the budget, e.g. a long URL, is the only thing cut
 * mid-"word"). Every chunk after the first of a section starts with the tail of the previous chunk
 * (at most `overlapChars`, starting on a word boundary), and every chunk is at most `maxChars` long,
 * overlap included. Sections never share a chunk. Pure and deterministic; empty input gives [].
 */
export function chunkDocument(text: string, opts: ChunkOptions): Chunk[] {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const overlapChars = opts.overlapChars ?? Math.min(DEFAULT_OVERLAP_CHARS, Math.floor(maxChars / 4));
  if (!Number.isInteger(maxChars) || maxChars < 64) throw new RangeError(`chunkDocument: maxChars must be an integer >= 64, got ${maxChars}`);
  if (!Number.isInteger(overlapChars) || overlapChars < 0 || overlapChars * 2 >= maxChars) {
    throw new RangeError(`chunkDocument: overlapChars must be an integer in 0..${Math.ceil(maxChars / 2) - 1} (below maxChars / 2), got ${overlapChars}`);
  }
  const normalized = text.replace(/\r\n?/g, '\n');
  if (normalized.trim() === '') return [];

  let sections: { heading: string | null; pieces: Piece[] }[];
  // The longest piece that still fits after an overlap and its separator.
  const budget = maxChars - overlapChars - 2;
  switch (opts.format) {
    case 'markdown':
      sections = markdownSections(normalized).map((s) => ({ heading: s.heading, pieces: paragraphPieces(s, budget) }));
      break;
    case 'text':
      sections = [{ heading: null, pieces: paragraphPieces({ heading: null, paragraphs: textParagraphs(normalized) }, budget) }];
      break;
    case 'json':
      sections = [{ heading: null, pieces: jsonLines(normalized).flatMap((line) => splitAtWhitespace(line, budget).map((t, n) => ({ text: t, sep: n === 0 ? '\n' : ' ' }))) }];
      break;
    default:
      throw new RangeError(`chunkDocument: unknown format ${String((opts as { format: unknown }).format)}; use markdown, text or json`);
  }

  const chunks: Chunk[] = [];
  for (const section of sections) {
    for (const t of pack(section.pieces, maxChars, overlapChars)) chunks.push({ index: chunks.length, text: t, heading: section.heading });
  }
  return chunks;
}

/** The sha256 of `text` (UTF-8) as lowercase hex: the content hash used to skip unchanged chunks. */
export function contentHash(text: string): string {
  return sha256Hex(Buffer.from(text, 'utf8'));
}

function paragraphPieces(section: Section, budget: number): Piece[] {
  return section.paragraphs.flatMap((p) => splitLong(p, budget).map((t, n) => ({ text: t, sep: n === 0 ? '\n\n' : ' ' })));
}

/** Greedy packing of pieces into chunks of at most `maxChars`, each after the first led by the previous one's tail. */
function pack(pieces: Piece[], maxChars: number, overlapChars: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current === '') {
      current = piece.text;
      continue;
    }
    if (current.length + piece.sep.length + piece.text.length <= maxChars) {
      current += piece.sep + piece.text;
      continue;
    }
    out.push(current);
    const tail = wordTail(current, overlapChars);
    current = tail ? tail + piece.sep + piece.text : piece.text;
  }
  if (current !== '') out.push(current);
  return out;
}
