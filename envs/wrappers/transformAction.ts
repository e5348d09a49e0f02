import type { Env } from '../core.js';
import type { Space } from '../spaces/space.js';
import { ActionWrapper } from './bases.js';
import { requireFunction } from './requireFunction.js';

/** Maps actions through `fn` before the inner env sees them (Gymnasium's TransformAction). */
export class TransformAction<O, A, IA = A> extends ActionWrapper<O, A, IA> {
  private readonly space: Space<A>;

  constructor(
    env: Env<O, IA>,
    private readonly fn: (action: A) => IA,
    actionSpace?: Space<A>,
  ) {
    super(env);
    requireFunction(fn, 'TransformAction');
    this.space = actionSpace ?? (env.actionSpace as unknown as Space<A>);
  }

  override get actionSpace(): Space<A> {
    return this.space;
  }

  action(action: A): IA {
    return this.fn(action);
  }
}
