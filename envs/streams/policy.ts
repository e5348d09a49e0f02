import type { Space } from '../spaces/space.js';
import type { Policy, StepContext } from './types.js';

/** The policy as one function, whichever form it came in. */
export function toActFunction<O, A>(policy: Policy<O, A>): (observation: O, context: StepContext) => A {
  if (typeof policy === 'function') return policy;
  if (policy && typeof (policy as { act?: unknown }).act === 'function') return (observation, context) => policy.act(observation, { explore: context.explore });
  throw new TypeError('rollout$: policy must be a function (observation, context) => action or an object with act(observation, { explore })');
}

/** Uniformly random actions from a space, seeded when a seed is given (the space's sampler is reseeded). */
export function randomPolicy<A>(space: Space<A>, seed?: number): (observation: unknown) => A {
  if (seed !== undefined) space.seed(seed);
  return () => space.sample();
}
