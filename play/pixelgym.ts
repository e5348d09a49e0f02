// The root entry point, `import * as pg from 'pixelgym'`: every module under its own namespace,
// and the env API at the top level because that is what most scripts start with.
export * from '../envs/index.js';
export * as envs from '../envs/index.js';
export * as agents from '../agents/index.js';
export * as replay from '../replay/index.js';
export * as nets from '../nets/index.js';
export * as play from './index.js';
