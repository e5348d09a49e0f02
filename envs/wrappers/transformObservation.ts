import type { Env } from '../core.js';
import type { Space } from '../spaces/space.js';
import { ObservationWrapper } from './bases.js';
import { requireFunction } from './requireFunction.js';

/**
 * Maps observations through `fn` (Gymnasium's TransformObservation). Give `observationSpace`
 * when `fn` changes what observations look like; otherwise the inner space is kept.
 */
export class TransformObservation<O, A, IO = O> extends ObservationWrapper<O, A, IO> {
  private readonly space: Space<O>;

  constructor(
    env: Env<IO, A>,
    private readonly fn: (observation: IO) => O,
    observationSpace?: Space<O>,
  ) {
    super(env);
    requireFunction(fn, 'TransformObservation');
    this.space = observationSpace ?? (env.observationSpace as unknown as Space<O>);
  }

  override get observationSpace(): Space<O> {
    return this.space;
  }

  observation(observation: IO): O {
    return this.fn(observation);
  }
}
