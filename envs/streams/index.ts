export { rollout$, sharedRollout$ } from './rollout.js';
export { episodes, recentMean } from './operators.js';
export { randomPolicy, toActFunction } from './policy.js';
export { nextMacrotask$ } from './macrotask.js';
export type { Actor, EpisodeSummary, Policy, RolloutOptions, RolloutStep, StepContext } from './types.js';
