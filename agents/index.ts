export * from './agent.js';
export * from './tabular/index.js';
