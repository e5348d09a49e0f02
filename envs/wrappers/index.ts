export { Wrapper } from './wrapper.js';
export { TimeLimit } from './timeLimit.js';
export { EnvGuard } from './envGuard.js';
export * from './image/index.js';
