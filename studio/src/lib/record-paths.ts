/** Reading and writing a record's content by key path, and the text of form inputs. Pure. */

export type FieldKind = 'text' | 'textarea' | 'list' | 'lines' | 'checkbox' | 'number' | 'select' | 'date';

/** What the conversions need of a field. */
export interface FieldShape {
  kind: FieldKind;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The value at `path`. */
export function getAt(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (!isObj(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A copy of `obj` with `path` set (or removed for `undefined`). */
export function setAt(obj: Obj, path: string[], value: unknown): Obj {
  const [head, ...rest] = path;
  if (head === undefined) return obj;
  const copy: Obj = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const before = isObj(copy[head]) ? (copy[head] as Obj) : undefined;
  const child = setAt(before ?? {}, rest, value);
  // A group emptied by the form (a budget with neither amount nor currency) is removed; one that
  // was empty already (positioning: {}) stays as it was.
  const wasEmpty = before !== undefined && Object.keys(before).length === 0;
  if (Object.keys(child).length === 0 && value === undefined && !wasEmpty) delete copy[head];
  else copy[head] = child;
  return copy;
}

/** The text an input shows for a value. */
export function toInput(field: FieldShape, value: unknown): string | boolean {
  if (field.kind === 'checkbox') return value === true;
  if (value === undefined || value === null) return '';
  if (field.kind === 'list') return Array.isArray(value) ? value.join(', ') : String(value);
  if (field.kind === 'lines') return Array.isArray(value) ? value.join('\n') : String(value);
  return String(value);
}

/** The value an input's text means (`undefined`: unset). */
export function fromInput(field: FieldShape, input: string | boolean, previous: unknown): unknown {
  if (field.kind === 'checkbox') return input === true;
  const text = String(input);
  if (field.kind === 'list' || field.kind === 'lines') {
    const items = text.split(field.kind === 'list' ? ',' : '\n').map((s) => s.trim()).filter(Boolean);
    return items.length ? items : Array.isArray(previous) ? [] : undefined;
  }
  if (text.trim() === '') return undefined;
  if (field.kind === 'number') return Number(text);
  return field.kind === 'textarea' ? text : text.trim();
}

