// Deep copy and equality for env values: numbers, typed arrays, arrays (Tuple) and plain objects (Dict).

function isTypedArray(x: unknown): x is ArrayLike<number> & { slice(): unknown } {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** A deep copy that later mutation of `x` cannot reach. */
export function cloneValue<T>(x: T): T {
  if (isTypedArray(x)) return x.slice() as T;
  if (Array.isArray(x)) return x.map(cloneValue) as T;
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = cloneValue(v);
    return out as T;
  }
  return x;
}

/** Structural equality; NaN equals NaN; a typed array equals one of the same kind and contents. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (isTypedArray(a) || isTypedArray(b)) {
    if (!isTypedArray(a) || !isTypedArray(b)) return false;
    if (Object.prototype.toString.call(a) !== Object.prototype.toString.call(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => valuesEqual(v, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => k in b && valuesEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** The typed array a space's dtype calls for, e.g. 'Float32Array' for a float32 Box. */
export function typedArrayNameFor(dtype: unknown): string | null {
  switch (dtype) {
    case 'float32':
      return 'Float32Array';
    case 'float64':
      return 'Float64Array';
    case 'uint8':
      return 'Uint8Array';
    case 'int32':
      return 'Int32Array';
    case 'int8':
      return 'Int8Array';
    default:
      return null;
  }
}
