import { describe, expect, it } from 'vitest';
import { chunkDocument, contentHash } from '../../../src/rag/chunking/chunker.js';
import { splitSentences, wordTail } from '../../../src/rag/chunking/text-split.js';

const words = (n: number, seed = 'word') => Array.from({ length: n }, (_, i) => `${seed}${i}`).join(' ');
/** Every whitespace-separated token of the input appears whole in the output (no mid-word cuts). */
const tokens = (s: string) => s.split(/\s+/).filter(Boolean);

describe('chunkDocument: markdown', () => {
  const doc = [
    'Intro line before any heading.',
    '',
    '# Brand Book',
    '',
    'Our brand is bold.',
    '',
    '## Voice',
    '',
    'Warm, direct, never sarcastic.',
    '',
    '### Do',
    '',
    'Use short sentences.',
    '',
    '## Colours',
    '',
    'Forest green and sand.',
    '',
    'Setext Title',
    '============',
    '',
    'Under setext.',
    '',
    'Sub',
    '---',
    '',
    'Under sub.',
  ].join('\n');

  it('splits on headings and records the heading path', () => {
    const chunks = chunkDocument(doc, { format: 'markdown' });
    expect(chunks.map((c) => [c.heading, c.text])).toEqual([
      [null, 'Intro line before any heading.'],
      ['Brand Book', 'Our brand is bold.'],
      ['Brand Book > Voice', 'Warm, direct, never sarcastic.'],
      ['Brand Book > Voice > Do', 'Use short sentences.'],
      ['Brand Book > Colours', 'Forest green and sand.'],
      ['Setext Title', 'Under setext.'],
      ['Setext Title > Sub', 'Under sub.'],
    ]);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('does not treat # lines inside fenced code as headings and keeps the fence in one paragraph', () => {
    const md = '# Setup\n\n```sh\n# install\n\nnpm ci\n```\n\nAfter.';
    const chunks = chunkDocument(md, { format: 'markdown' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.heading).toBe('Setup');
    expect(chunks[0]?.text).toBe('```sh\n# install\n\nnpm ci\n```\n\nAfter.');
  });

  it('packs paragraphs of a section up to maxChars and never mixes sections', () => {
    const para = (i: number) => `Paragraph ${i} ${words(12, `p${i}w`)}.`;
    const md = `# A\n\n${[1, 2, 3, 4, 5, 6].map(para).join('\n\n')}\n\n# B\n\n${para(7)}`;
    const chunks = chunkDocument(md, { format: 'markdown', maxChars: 200, overlapChars: 40 });
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(200);
    expect(chunks.filter((c) => c.heading === 'A').length).toBeGreaterThan(1);
    const b = chunks.filter((c) => c.heading === 'B');
    expect(b).toHaveLength(1);
    expect(b[0]?.text).toBe(para(7));
  });

  it('splits a long paragraph on sentence boundaries before words', () => {
    const sentences = Array.from({ length: 8 }, (_, i) => `Sentence number ${i} talks about ${words(6, `s${i}x`)}.`);
    const chunks = chunkDocument(`# S\n\n${sentences.join(' ')}`, { format: 'markdown', maxChars: 200, overlapChars: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(200);
      expect(c.text.startsWith('Sentence number')).toBe(true);
      expect(c.text.endsWith('.')).toBe(true);
    }
    expect(chunks.map((c) => c.text).join(' ')).toBe(sentences.join(' '));
  });

  it('splits a sentence longer than a chunk at whitespace, never mid-word', () => {
    const long = words(300, 'token');
    const chunks = chunkDocument(long, { format: 'markdown', maxChars: 150, overlapChars: 30 });
    const input = new Set(tokens(long));
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(150);
      for (const t of tokens(c.text)) expect(input.has(t)).toBe(true);
    }
  });
});

describe('chunkDocument: overlap', () => {
  it('starts each chunk after the first of a section with the word-bounded tail of the previous one', () => {
    const text = Array.from({ length: 20 }, (_, i) => `Paragraph ${i}: ${words(10, `q${i}z`)}.`).join('\n\n');
    const chunks = chunkDocument(text, { format: 'text', maxChars: 240, overlapChars: 60 });
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]?.text ?? '';
      const cur = chunks[i]?.text ?? '';
      const tail = wordTail(prev, 60);
      expect(tail.length).toBeGreaterThan(0);
      expect(tail.length).toBeLessThanOrEqual(60);
      expect(cur.startsWith(tail)).toBe(true);
      expect(prev.endsWith(tail)).toBe(true);
      // The tail starts at a word boundary of the previous chunk.
      const before = prev.charAt(prev.length - tail.length - 1);
      expect(before === '' || /\s/.test(before)).toBe(true);
      expect(cur.length).toBeLessThanOrEqual(240);
    }
  });

  it('does not carry overlap across markdown sections', () => {
    const body = Array.from({ length: 10 }, (_, i) => `Line ${i} ${words(10, `m${i}k`)}.`).join('\n\n');
    const chunks = chunkDocument(`# One\n\n${body}\n\n# Two\n\nFresh start here.`, { format: 'markdown', maxChars: 200, overlapChars: 50 });
    const two = chunks.filter((c) => c.heading === 'Two');
    expect(two.map((c) => c.text)).toEqual(['Fresh start here.']);
  });

  it('overlapChars 0 gives no repeated text', () => {
    const text = words(400, 'n');
    const chunks = chunkDocument(text, { format: 'text', maxChars: 200, overlapChars: 0 });
    expect(chunks.map((c) => c.text).join(' ')).toBe(text);
  });
});

describe('chunkDocument: text and json', () => {
  it('splits plain text on blank lines and keeps single newlines inside a paragraph', () => {
    const chunks = chunkDocument('first line\nsecond line\n\n\n  third para  \r\n\r\nfourth', { format: 'text', maxChars: 64, overlapChars: 0 });
    expect(chunks.map((c) => c.text)).toEqual(['first line\nsecond line\n\nthird para\n\nfourth']);
    expect(chunks[0]?.heading).toBeNull();
  });

  it('flattens JSON to path: value lines', () => {
    const json = JSON.stringify({ brand: { name: 'Acme', voice: { tone: 'warm  and\nfriendly' } }, products: [{ name: 'Pack', price: 49.5 }, { name: 'Tent', active: true, note: null }], 'odd key': '' , 'with space': 'x' });
    const chunks = chunkDocument(json, { format: 'json' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.text).toBe([
      'brand.name: Acme',
      'brand.voice.tone: warm and friendly',
      'products[0].name: Pack',
      'products[0].price: 49.5',
      'products[1].name: Tent',
      'products[1].active: true',
      '"with space": x',
    ].join('\n'));
  });

  it('chunks long JSON by lines within maxChars', () => {
    const json = JSON.stringify({ items: Array.from({ length: 100 }, (_, i) => ({ title: `Item ${i}`, body: words(8, `j${i}`) })) });
    const chunks = chunkDocument(json, { format: 'json', maxChars: 300, overlapChars: 40 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(300);
    expect(chunks.map((c) => c.text).join('\n')).toContain('items[99].body: j990');
  });

  it('refuses invalid JSON with a clear error', () => {
    expect(() => chunkDocument('{nope', { format: 'json' })).toThrow(/not valid JSON/);
  });
});

describe('chunkDocument: contract', () => {
  it('is deterministic', () => {
    const text = `# T\n\n${words(500, 'd')}\n\n## U\n\n${words(100, 'e')}`;
    expect(chunkDocument(text, { format: 'markdown', maxChars: 300 })).toEqual(chunkDocument(text, { format: 'markdown', maxChars: 300 }));
  });

  it('gives no chunks for empty or blank text', () => {
    expect(chunkDocument('', { format: 'markdown' })).toEqual([]);
    expect(chunkDocument(' \n\n \t', { format: 'text' })).toEqual([]);
  });

  it('rejects impossible sizes', () => {
    expect(() => chunkDocument('x', { format: 'text', maxChars: 10 })).toThrow(RangeError);
    expect(() => chunkDocument('x', { format: 'text', maxChars: 200, overlapChars: 100 })).toThrow(/overlapChars/);
  });

  it('keeps default chunks within 1200 characters', () => {
    const chunks = chunkDocument(words(3000, 'big'), { format: 'text' });
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(1200);
    expect(chunks.length).toBeGreaterThan(20);
  });
});

describe('helpers', () => {
  it('splitSentences keeps punctuation and closing quotes', () => {
    expect(splitSentences('Hello there. "Quoted!" Next? Yes… end')).toEqual(['Hello there.', '"Quoted!"', 'Next?', 'Yes…', 'end']);
  });

  it('contentHash is sha256 hex of UTF-8', () => {
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(contentHash('é')).not.toBe(contentHash('e'));
  });
});
