import type { Env } from '../core.js';
import { Box, allocBoxArray, type BoxArray } from '../spaces/box.js';
import { ActionWrapper } from './bases.js';
import { requireBox } from './boxSpace.js';

/**
 * Clips continuous actions into the inner Box action space, so the agent may act anywhere:
 * the wrapper's action space is unbounded (Gymnasium's ClipAction). NaN is not clipped, so the
 * EnvGuard below still rejects it. The clipped action is written into one reused buffer: the inner
 * env must not keep a reference to its action between steps.
 */
export class ClipAction<O> extends ActionWrapper<O, ArrayLike<number>, BoxArray> {
  private readonly inner: Box;
  private readonly unbounded: Box;
  private readonly out: BoxArray;

  constructor(env: Env<O, BoxArray>) {
    super(env);
    this.inner = requireBox(env.actionSpace, 'ClipAction', 'action');
    this.unbounded = new Box(-Infinity, Infinity, this.inner.shape, this.inner.dtype);
    this.out = allocBoxArray(this.inner.dtype, this.inner.size);
  }

  override get actionSpace(): Box {
    return this.unbounded;
  }

  action(action: ArrayLike<number>): BoxArray {
    const { low, high } = this.inner;
    if (action.length !== this.out.length)
      throw new RangeError(`ClipAction: action has ${action.length} values, the action space ${String(this.inner)} needs ${this.out.length}`);
    for (let i = 0; i < this.out.length; i++) {
      const v = action[i]!;
      this.out[i] = v < low[i]! ? low[i]! : v > high[i]! ? high[i]! : v;
    }
    return this.out;
  }
}
