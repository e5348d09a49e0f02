export { CartPoleEnv, CARTPOLE_THETA_THRESHOLD, CARTPOLE_X_THRESHOLD, type CartPoleKwargs } from './cartpole.js';
export { MountainCarEnv, MOUNTAINCAR_MAX_SPEED, type MountainCarKwargs } from './mountainCar.js';
export { MountainCarContinuousEnv, type MountainCarContinuousKwargs } from './mountainCarContinuous.js';
export { PendulumEnv, PENDULUM_MAX_SPEED, PENDULUM_MAX_TORQUE, angleNormalize, type PendulumKwargs } from './pendulum.js';
export { AcrobotEnv, ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2, acrobotDerivatives, wrapAngle } from './acrobot.js';
export { hillHeight } from './mountainCarScene.js';
export type { Float32Box } from './common.js';
