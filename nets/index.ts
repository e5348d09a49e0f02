export * from './backend.js';
export * from './optim.js';
