// The vision course's chapters as modules serving RL: frame datasets, supervised classifiers,
// detection and segmentation, generative models and reward models, and explanations.
export * from './data/index.js';
export * from './supervised/index.js';
export * from './detection/index.js';
export * from './segmentation/index.js';
export * from './generative/index.js';
export * from './explain/index.js';
export * from './wrappers/index.js';
