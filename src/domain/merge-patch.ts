/**
 * JSON Merge Patch (RFC 7396): objects merge recursively, `null` removes a member, anything else
 * (arrays included) replaces. Returns a new value; neither argument is modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? structuredClone(target as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete base[key];
    // defineProperty, not assignment: a member named "__proto__" must stay a member, never reach the
    // prototype setter.
    else Object.defineProperty(base, key, { value: applyMergePatch(Object.hasOwn(base, key) ? base[key] : undefined, value), enumerable: true, writable: true, configurable: true });
  }
  return base;
}
