// Registers the toy-text MDPs on import (ids, limits and thresholds as Gymnasium registers them).
import { register } from '../registry.js';
import { CliffWalkingEnv } from './cliffWalking.js';
import { FrozenLakeEnv } from './frozenLake.js';
import { GridWorldEnv } from './gridWorld.js';

register({ id: 'FrozenLake-v1', entryPoint: FrozenLakeEnv, kwargs: { mapName: '4x4' }, maxEpisodeSteps: 100, rewardThreshold: 0.7 });
register({ id: 'FrozenLake8x8-v1', entryPoint: FrozenLakeEnv, kwargs: { mapName: '8x8' }, maxEpisodeSteps: 200, rewardThreshold: 0.85 });
// Gymnasium now calls it CliffWalking-v1 (v1 added is_slippery) and sets no episode limit.
register({ id: 'CliffWalking-v0', entryPoint: CliffWalkingEnv });
register({ id: 'CliffWalking-v1', entryPoint: CliffWalkingEnv });
register({ id: 'CliffWalkingSlippery-v1', entryPoint: CliffWalkingEnv, kwargs: { isSlippery: true } });
register({ id: 'GridWorld-v0', entryPoint: GridWorldEnv, maxEpisodeSteps: 100 });
