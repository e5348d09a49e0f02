import { Box } from '../spaces/box.js';
import { Discrete } from '../spaces/discrete.js';
import { spaceFromJSON } from '../spaces/json.js';
import type { Space } from '../spaces/space.js';
import type { BatchArray } from './types.js';

export type BatchDType = 'float32' | 'float64' | 'uint8' | 'int32';

/**
 * How one sub-env's observation or action sits in a flat batch: `size` scalars of `dtype` at
 * offset i × size. Built from the space's JSON so that spaces from another copy of the library
 * (dist/ vs sources, a user's bundled copy) are read the same way.
 */
export interface SlotLayout {
  readonly kind: 'discrete' | 'box';
  readonly size: number;
  readonly dtype: BatchDType;
  /** A local copy of the single space (Discrete or Box). */
  readonly space: Discrete | Box;
}

export function slotLayout(space: Space, role: string): SlotLayout {
  if (!space || typeof (space as { toJSON?: unknown }).toJSON !== 'function')
    throw new TypeError(`vector env: the ${role} space is not a Space (got ${String(space)})`);
  const local = spaceFromJSON(space.toJSON());
  if (local instanceof Discrete) return { kind: 'discrete', size: 1, dtype: 'int32', space: local };
  if (local instanceof Box) return { kind: 'box', size: local.size, dtype: local.dtype, space: local };
  throw new TypeError(`vector env: ${role} space ${String(space)} is not supported (only Discrete and Box)`);
}

/** A zeroed batch array, in shared memory when `shared` (for worker threads). */
export function allocBatch(dtype: BatchDType, length: number, shared: boolean): BatchArray {
  const bytes = { float32: 4, float64: 8, uint8: 1, int32: 4 }[dtype];
  const buf = shared ? new SharedArrayBuffer(length * bytes) : new ArrayBuffer(length * bytes);
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'uint8':
      return new Uint8Array(buf);
    case 'int32':
      return new Int32Array(buf);
  }
}
