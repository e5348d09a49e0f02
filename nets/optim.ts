// Optimizers: typed configs, a fused Adam, a correct centered RMSProp, clipping and saved state.
export * from './optim/config.js';
export { FusedAdamOptimizer } from './optim/fused_adam.js';
export { RMSPropOptimizer, type RMSPropOptions } from './optim/rmsprop.js';
export * from './optim/clip.js';
export * from './optim/state.js';
