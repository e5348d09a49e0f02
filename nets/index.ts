export * from './backend.js';
export * from './optim.js';
export * from './modules/index.js';
export * from './encoders.js';
export * from './weights.js';
export * from './io.js';
export * from './gradcheck.js';
export * from './fastForward.js';
export * as vision from './vision/index.js';
