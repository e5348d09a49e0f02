// Env wrappers that put vision models to work for agents: object lists, class masks, shaped rewards.
export * from './models.js';
export * from './objectObservation.js';
export * from './maskObservation.js';
export * from './detectionRewardShaping.js';
