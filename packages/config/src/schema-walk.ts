/**
 * Finds the object keys a zod schema accepts at a path of the input, for "did you mean"
 * suggestions on unknown keys. Reads zod 4's public `_zod.def` structure.
 */

interface Def {
  type: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  innerType?: { _zod: { def: Def } };
  in?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  valueType?: { _zod: { def: Def } };
  options?: Array<{ _zod: { def: Def } }>;
}

/** A zod schema as this walker sees it. */
export interface WalkableSchema {
  _zod: { def: unknown };
}

function unwrap(def: Def): Def[] {
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return def.innerType ? unwrap(def.innerType._zod.def) : [];
    case 'pipe':
      return def.in ? unwrap(def.in._zod.def) : [];
    case 'union':
      return (def.options ?? []).flatMap((o) => unwrap(o._zod.def));
    default:
      return [def];
  }
}

function step(defs: Def[], segment: PropertyKey): Def[] {
  const out: Def[] = [];
  for (const d of defs) {
    if (d.type === 'object' && typeof segment === 'string' && d.shape && Object.hasOwn(d.shape, segment)) {
      out.push(...unwrap((d.shape[segment] as { _zod: { def: Def } })._zod.def));
    } else if (d.type === 'array' && typeof segment === 'number' && d.element) {
      out.push(...unwrap(d.element._zod.def));
    } else if (d.type === 'record' && d.valueType) {
      out.push(...unwrap(d.valueType._zod.def));
    }
  }
  return out;
}

/** Keys of the object schema(s) at `path`, or an empty list. */
export function knownKeysAt(schema: WalkableSchema, path: readonly PropertyKey[]): string[] {
  let defs = unwrap(schema._zod.def as Def);
  for (const seg of path) defs = step(defs, seg);
  return defs.flatMap((d) => (d.type === 'object' && d.shape ? Object.keys(d.shape) : []));
}
