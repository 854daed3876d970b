import { z } from 'zod';

type Def = { type: string; innerType?: z.ZodType };

function unwrap(schema: z.ZodType): z.ZodType {
  let cur = schema;
  for (;;) {
    const def = (cur as unknown as { _zod: { def: Def } })._zod.def;
    if (['optional', 'default', 'prefault', 'nullable'].includes(def.type) && def.innerType) cur = def.innerType;
    else return cur;
  }
}

/**
 * The schema of a JSON Merge Patch (RFC 7396) of `schema`: every object member becomes optional and
 * nullable (null removes it), nested objects recursively; unknown members are still refused. The
 * patched result is validated against the full schema afterwards, so cross-field rules are checked
 * there.
 */
export function mergePatchOf(schema: z.ZodType): z.ZodType {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    const shape = Object.fromEntries(
      Object.entries(inner.shape as Record<string, z.ZodType>).map(([k, v]) => [k, mergePatchOf(v).nullable().optional()]),
    );
    return z.strictObject(shape);
  }
  return inner;
}
