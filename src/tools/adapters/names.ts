/**
 * Registry names for tools that come from elsewhere (MCP servers, LangChain tools). Registry names
 * match `^[a-z][a-z0-9_.-]{0,99}$`; the segments made here never hold `.`, `__` or a `_` at either
 * end, so a name built from them maps to an OpenAI function name (`.` → `__`) and back.
 */

/**
 * A name segment: camelCase split with `_`, lower-cased, anything outside `[a-z0-9_-]` replaced
 * by `_`, runs of `_` collapsed, no `_`/`-` at the start and no `_` at the end; `x` when nothing is left.
 */
export function sanitiseNameSegment(raw: string): string {
  const s = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[_-]+|_+$/g, '');
  return s || 'x';
}

/** A registry name from a foreign one: sanitised, starting with a letter (`t_` prefixed otherwise). */
export function sanitiseToolName(raw: string): string {
  const s = sanitiseNameSegment(raw);
  return /^[a-z]/.test(s) ? s.slice(0, 64) : `t_${s}`.slice(0, 64);
}
