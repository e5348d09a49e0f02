// Registers the classic-control envs on import, with Gymnasium's episode limits and thresholds.
import { register } from '../registry.js';
import { AcrobotEnv } from './acrobot.js';
import { CartPoleEnv } from './cartpole.js';
import { MountainCarEnv } from './mountainCar.js';
import { MountainCarContinuousEnv } from './mountainCarContinuous.js';
import { PendulumEnv } from './pendulum.js';

register({ id: 'CartPole-v0', entryPoint: CartPoleEnv, maxEpisodeSteps: 200, rewardThreshold: 195 });
register({ id: 'CartPole-v1', entryPoint: CartPoleEnv, maxEpisodeSteps: 500, rewardThreshold: 475 });
register({ id: 'MountainCar-v0', entryPoint: MountainCarEnv, maxEpisodeSteps: 200, rewardThreshold: -110 });
register({ id: 'MountainCarContinuous-v0', entryPoint: MountainCarContinuousEnv, maxEpisodeSteps: 999, rewardThreshold: 90 });
register({ id: 'Pendulum-v1', entryPoint: PendulumEnv, maxEpisodeSteps: 200 });
register({ id: 'Acrobot-v1', entryPoint: AcrobotEnv, maxEpisodeSteps: 500, rewardThreshold: -100 });
