/**
 * Turns a document into sections of paragraphs, the structure the chunker packs: markdown by its
 * headings (ATX `#…######` and setext `===`/`---` underlines, never inside fenced code), plain text
 * by blank lines, JSON as `path: value` lines.
 */

/** A run of paragraphs under one heading path (`Title > Section`, or null before any heading). */
export interface Section {
  heading: string | null;
  paragraphs: string[];
}

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT_1 = /^ {0,3}=+[ \t]*$/;
const SETEXT_2 = /^ {0,3}-+[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;

/** Paragraphs of plain text: blocks separated by blank lines, trimmed, never empty. */
export function textParagraphs(text: string): string[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((p) => trimLines(p))
    .filter((p) => p.length > 0);
}

/** Markdown sections (see the module comment). Text before the first heading has heading null. */
export function markdownSections(text: string): Section[] {
  const lines = text.split('\n');
  const sections: Section[] = [];
  const path: { level: number; title: string }[] = [];
  let current: Section = { heading: null, paragraphs: [] };
  let para: string[] = [];
  let fence: string | null = null;

  const flushPara = () => {
    const p = trimLines(para.join('\n'));
    if (p) current.paragraphs.push(p);
    para = [];
  };
  const startSection = (level: number, title: string) => {
    flushPara();
    if (current.paragraphs.length > 0) sections.push(current);
    while (path.length > 0 && (path[path.length - 1]?.level ?? 0) >= level) path.pop();
    if (title) path.push({ level, title });
    current = { heading: path.length > 0 ? path.map((h) => h.title).join(' > ') : null, paragraphs: [] };
  };

  let i = 0;
  // YAML front matter is one paragraph, not a thematic break and a setext heading.
  if (lines[0]?.trim() === '---') {
    const close = lines.findIndex((l, n) => n > 0 && (l.trim() === '---' || l.trim() === '...'));
    if (close > 0) {
      current.paragraphs.push(trimLines(lines.slice(0, close + 1).join('\n')));
      i = close + 1;
    }
  }
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (fence !== null) {
      para.push(line);
      if (line.trim().startsWith(fence)) {
        fence = null;
        flushPara();
      }
      continue;
    }
    const fenceOpen = FENCE.exec(line);
    if (fenceOpen) {
      flushPara();
      fence = fenceOpen[1] ?? '```';
      para.push(line);
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      startSection((atx[1] ?? '#').length, cleanTitle(atx[2] ?? ''));
      continue;
    }
    const next = lines[i + 1];
    if (line.trim() !== '' && para.length === 0 && next !== undefined && (SETEXT_1.test(next) || (SETEXT_2.test(next) && !THEMATIC_BREAK.test(line)))) {
      startSection(SETEXT_1.test(next) ? 1 : 2, cleanTitle(line));
      i++;
      continue;
    }
    if (line.trim() === '' || THEMATIC_BREAK.test(line)) {
      flushPara();
      continue;
    }
    para.push(line);
  }
  flushPara();
  if (current.paragraphs.length > 0) sections.push(current);
  return sections;
}

/**
 * JSON flattened to one `path: value` line per scalar leaf (`brand.voice.tone: warm`,
 * `products[2].name: Trail Pack`); nulls and empty strings are left out. Throws a clear Error when
 * `text` is not JSON.
 */
export function jsonLines(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`chunkDocument: format 'json' but the text is not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const out: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      v.forEach((item, n) => walk(item, `${path}[${n}]`));
      return;
    }
    if (typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) walk(child, path === '' ? keyPath(k) : `${path}.${keyPath(k)}`);
      return;
    }
    const s = typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : String(v);
    if (s === '') return;
    out.push(path === '' ? s : `${path}: ${s}`);
  };
  walk(value, '');
  return out;
}

function keyPath(key: string): string {
  return /^[\p{L}\p{N}_$-]+$/u.test(key) ? key : JSON.stringify(key);
}

function cleanTitle(title: string): string {
  return title.replace(/\s+/g, ' ').trim();
}

/** Trims a block and the trailing spaces of its lines (inner newlines and indentation stay). */
function trimLines(block: string): string {
  return block
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}
