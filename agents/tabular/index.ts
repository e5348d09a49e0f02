export { assertTabularModel, actionValue, greedyPolicy } from './model.js';
export * from './valueIteration.js';
export * from './policyIteration.js';
export * from './qLearning.js';
