/** Diffs for the Studio: record versions (field by field), text (line by line), and JSON merge patches. */

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Deep equality of JSON values. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Leaves of a JSON object by dot path; arrays and empty objects are leaves. */
export function flatten(value: Json, prefix = '', out: Record<string, Json> = {}): Record<string, Json> {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

/** One changed field between two versions. */
export interface FieldChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: Json;
  after?: Json;
}

/** The fields that differ between two records, sorted by path. */
export function fieldDiff(before: Json, after: Json): FieldChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const out: FieldChange[] = [];
  for (const path of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const inA = Object.hasOwn(a, path);
    const inB = Object.hasOwn(b, path);
    if (inA && !inB) out.push({ path, kind: 'removed', before: a[path] });
    else if (!inA && inB) out.push({ path, kind: 'added', after: b[path] });
    else if (!jsonEqual(a[path], b[path])) out.push({ path, kind: 'changed', before: a[path], after: b[path] });
  }
  return out;
}

/** One line of a text diff. */
export interface LineChange {
  kind: 'same' | 'added' | 'removed';
  text: string;
  /** Line numbers in the old / new text (1-based). */
  oldLine?: number;
  newLine?: number;
}

/** Past this many cells the LCS table is not built and the texts are shown as removed/added blocks. */
const MAX_CELLS = 4_000_000;

/** A line diff of two texts (longest common subsequence). */
export function lineDiff(oldText: string, newText: string): LineChange[] {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) {
    return [
      ...a.map((text, i) => ({ kind: 'removed' as const, text, oldLine: i + 1 })),
      ...b.map((text, j) => ({ kind: 'added' as const, text, newLine: j + 1 })),
    ];
  }
  // lcs[i][j]: LCS length of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
    }
  }
  const out: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i] as string, oldLine: i + 1, newLine: j + 1 });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0)) {
      out.push({ kind: 'removed', text: a[i] as string, oldLine: i + 1 });
      i++;
    } else {
      out.push({ kind: 'added', text: b[j] as string, newLine: j + 1 });
      j++;
    }
  }
  for (; i < n; i++) out.push({ kind: 'removed', text: a[i] as string, oldLine: i + 1 });
  for (; j < m; j++) out.push({ kind: 'added', text: b[j] as string, newLine: j + 1 });
  return out;
}

/**
 * The JSON Merge Patch (RFC 7396) that turns `before` into `after`: changed members, `null` for
 * removed ones, nested objects recursively. Empty when nothing changed.
 */
export function mergePatch(before: Record<string, Json>, after: Record<string, Json>): Record<string, Json> {
  const patch: Record<string, Json> = {};
  for (const k of Object.keys(before)) if (!Object.hasOwn(after, k)) patch[k] = null;
  for (const [k, v] of Object.entries(after)) {
    const old = before[k];
    if (isObject(old) && isObject(v)) {
      const inner = mergePatch(old, v);
      if (Object.keys(inner).length > 0) patch[k] = inner;
    } else if (!Object.hasOwn(before, k) || !jsonEqual(old, v)) {
      patch[k] = v;
    }
  }
  return patch;
}
