// pixelgym/envs: the environment API, spaces, registry, built-in envs, wrappers, vector envs, streams.
import './classic/register.js';
import './games/register.js';
import './toytext/register.js';

export * from './core.js';
export { Rng, seededRng, type RngState } from './rng.js';
export * from './spaces/index.js';
export * from './registry.js';
export * from './render/index.js';
export * from './wrappers/index.js';
export * from './classic/index.js';
export * from './games/index.js';
export * from './toytext/index.js';
export * from './vector/index.js';
export * from './streams/index.js';
export * from './check/index.js';
