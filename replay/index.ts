// replay/: experience replay (uniform, frame-stacked, n-step, prioritized) and rollout storage.
export * from './types.js';
export { ReplayBuffer } from './replayBuffer.js';
export { readReplayConfig, readReplayMeta, REPLAY_FILE_MAGIC, REPLAY_FILE_VERSION } from './replayFile.js';
export type { ReplayBufferConfig, ResolvedReplayConfig, RestorePlan } from './replayBuffer.js';
export type { IoSection } from './container.js';
export { stackKernelAvailable } from './stackKernel.js';
export { PrioritizedReplayBuffer, linearSchedule } from './prioritizedReplayBuffer.js';
export type { PrioritizedReplayConfig, BetaSchedule } from './prioritizedReplayBuffer.js';
export { SumTree, MinTree } from './segmentTree.js';
export { RolloutBuffer } from './rolloutBuffer.js';
export type { RolloutBufferConfig, RolloutStep, RolloutBatchStep, RolloutMinibatch, MinibatchOptions } from './rolloutBuffer.js';
export { rewardToGo, discountedReturns, nStepReturns, gae, normalizeInPlace } from './returns.js';
export type { StepSeries, NumberArray } from './returns.js';
export { fillFrom } from './fillFrom.js';
export { VectorTransitions } from './vectorTransitions.js';
export type { StepLike, TransitionSink, FillFromOptions } from './fillFrom.js';
export { ReplayFileError } from './container.js';
