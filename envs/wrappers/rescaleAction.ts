import type { Env } from '../core.js';
import { Box, allocBoxArray, type BoxArray } from '../spaces/box.js';
import { ActionWrapper } from './bases.js';
import { requireBox } from './boxSpace.js';

function bounds(v: number | ArrayLike<number>, size: number, name: string): Float64Array {
  const out = new Float64Array(size);
  if (typeof v === 'number') out.fill(v);
  else {
    if (v.length !== size) throw new RangeError(`RescaleAction: ${name} has ${v.length} values, the action space has ${size}`);
    for (let i = 0; i < size; i++) out[i] = v[i]!;
  }
  for (let i = 0; i < size; i++) if (!Number.isFinite(out[i]!)) throw new RangeError(`RescaleAction: ${name}[${i}] must be finite, got ${out[i]}`);
  return out;
}

/**
 * Affinely maps actions from [minAction, maxAction] onto the inner Box's [low, high] (Gymnasium's
 * RescaleAction), e.g. so a tanh policy's [-1, 1] covers the whole range. The result is clipped
 * to [low, high] against rounding and written into one reused buffer.
 */
export class RescaleAction<O> extends ActionWrapper<O, ArrayLike<number>, BoxArray> {
  private readonly outer: Box;
  private readonly scale: Float64Array;
  private readonly offset: Float64Array;
  private readonly inner: Box;
  private readonly out: BoxArray;

  constructor(env: Env<O, BoxArray>, minAction: number | ArrayLike<number>, maxAction: number | ArrayLike<number>) {
    super(env);
    this.inner = requireBox(env.actionSpace, 'RescaleAction', 'action');
    if (!this.inner.isBounded()) throw new RangeError(`RescaleAction: the inner action space ${String(this.inner)} must be bounded`);
    const n = this.inner.size;
    const lo = bounds(minAction, n, 'minAction');
    const hi = bounds(maxAction, n, 'maxAction');
    for (let i = 0; i < n; i++)
      if (!(lo[i]! < hi[i]!)) throw new RangeError(`RescaleAction: minAction[${i}]=${lo[i]} must be below maxAction[${i}]=${hi[i]}`);
    this.outer = new Box(lo, hi, this.inner.shape, this.inner.dtype);
    this.scale = new Float64Array(n);
    this.offset = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.scale[i] = (this.inner.high[i]! - this.inner.low[i]!) / (hi[i]! - lo[i]!);
      this.offset[i] = this.inner.low[i]! - this.scale[i]! * lo[i]!;
    }
    this.out = allocBoxArray(this.inner.dtype, n);
  }

  override get actionSpace(): Box {
    return this.outer;
  }

  action(action: ArrayLike<number>): BoxArray {
    const { low, high } = this.inner;
    if (action.length !== this.out.length)
      throw new RangeError(`RescaleAction: action has ${action.length} values, the action space ${String(this.outer)} needs ${this.out.length}`);
    for (let i = 0; i < this.out.length; i++) {
      const v = this.scale[i]! * action[i]! + this.offset[i]!;
      this.out[i] = v < low[i]! ? low[i]! : v > high[i]! ? high[i]! : v;
    }
    return this.out;
  }
}
