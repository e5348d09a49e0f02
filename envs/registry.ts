import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { closest, distance } from 'fastest-levenshtein';
import type { Env, EnvSpec } from './core.js';
import { EnvGuard } from './wrappers/envGuard.js';
import { TimeLimit } from './wrappers/timeLimit.js';

export type EnvKwargs = Record<string, unknown>;
export type EnvClass = new (kwargs?: EnvKwargs) => Env;
export type EnvFactory = (kwargs?: EnvKwargs) => Env;
/** A class, a factory, or a module path 'path/to/module.js:ExportName' (default export when no name). */
export type EntryPoint = EnvClass | EnvFactory | string;

export interface EnvRegistration {
  id: string;
  entryPoint: EntryPoint;
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  nondeterministic?: boolean;
  kwargs?: EnvKwargs;
}

export interface MakeOptions {
  /** Overrides the registered episode limit; `null` removes the TimeLimit. */
  maxEpisodeSteps?: number | null;
  /** Leave out the EnvGuard checks (for trusted hot loops such as vector env workers). */
  disableEnvChecker?: boolean;
}

// One registry per process, even when both the built JS and the TS sources are loaded (tests,
// user modules importing 'pixelgym/envs'): keep it on globalThis under a registered symbol.
interface RegistryStore {
  envs: Map<string, EnvRegistration>;
  loaded: Map<string, EnvClass | EnvFactory>;
}
const storeKey = Symbol.for('pixelgym.envs.registry');
const globalStore = globalThis as unknown as Record<symbol, RegistryStore | undefined>;
const store: RegistryStore = (globalStore[storeKey] ??= { envs: new Map(), loaded: new Map() });
const registry = store.envs;
const loadedEntryPoints = store.loaded;

export function register(reg: EnvRegistration): void {
  if (typeof reg.id !== 'string' || reg.id.length === 0) throw new TypeError('register: id must be a non-empty string');
  if (typeof reg.entryPoint !== 'function' && typeof reg.entryPoint !== 'string')
    throw new TypeError(`register(${reg.id}): entryPoint must be a class, a factory function or a 'module:Export' string`);
  registry.set(reg.id, { ...reg });
}

export function unregister(id: string): boolean {
  return registry.delete(id);
}

export function registeredIds(): string[] {
  return [...registry.keys()].sort();
}

export function spec(id: string): EnvSpec {
  const reg = lookup(id);
  return specOf(reg, reg.kwargs ?? {});
}

function specOf(reg: EnvRegistration, kwargs: EnvKwargs): EnvSpec {
  const s: EnvSpec = { id: reg.id, kwargs };
  if (reg.maxEpisodeSteps !== undefined) s.maxEpisodeSteps = reg.maxEpisodeSteps;
  if (reg.rewardThreshold !== undefined) s.rewardThreshold = reg.rewardThreshold;
  if (reg.nondeterministic !== undefined) s.nondeterministic = reg.nondeterministic;
  if (typeof reg.entryPoint === 'string') s.entryPoint = reg.entryPoint;
  return s;
}

function lookup(id: string): EnvRegistration {
  const reg = registry.get(id);
  if (reg) return reg;
  const ids = registeredIds();
  const near = ids
    .map((k) => ({ k, d: distance(id.toLowerCase(), k.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(3, Math.floor(id.length / 3)) || x.k.toLowerCase().includes(id.toLowerCase()))
    .sort((a, b) => a.d - b.d)
    .slice(0, 5)
    .map((x) => x.k);
  const best = near.length ? near : ids.length ? [closest(id, ids)] : [];
  throw new Error(`No env registered with id '${id}'.${best.length ? ` Did you mean: ${best.join(', ')}?` : ''}`);
}

function splitEntryPoint(ep: string): { path: string; name: string } {
  // 'C:\\x\\y.js:Env' must not split on the drive colon: split on the last colon after the file part.
  const i = ep.lastIndexOf(':');
  if (i <= 1) return { path: ep, name: 'default' };
  return { path: ep.slice(0, i), name: ep.slice(i + 1) || 'default' };
}

function moduleSpecifier(path: string): string {
  if (path.startsWith('file:')) return path;
  if (path.startsWith('.') || isAbsolute(path)) return pathToFileURL(resolve(process.cwd(), path)).href;
  return path; // a package name
}

function pickExport(mod: Record<string, unknown>, name: string, ep: string): EnvClass | EnvFactory {
  const v = name === 'default' ? (mod.default ?? mod) : mod[name];
  if (typeof v !== 'function') throw new TypeError(`Entry point '${ep}': export '${name}' is not a class or function`);
  return v as EnvClass | EnvFactory;
}

/** Loads a module-path entry point with `import()`; `make` then finds it loaded. */
export async function loadEntryPoint(ep: string): Promise<EnvClass | EnvFactory> {
  const hit = loadedEntryPoints.get(ep);
  if (hit) return hit;
  const { path, name } = splitEntryPoint(ep);
  const mod = (await import(moduleSpecifier(path))) as Record<string, unknown>;
  const ctor = pickExport(mod, name, ep);
  loadedEntryPoints.set(ep, ctor);
  return ctor;
}

function loadEntryPointSync(ep: string): EnvClass | EnvFactory {
  const hit = loadedEntryPoints.get(ep);
  if (hit) return hit;
  const { path, name } = splitEntryPoint(ep);
  const req = createRequire(resolve(process.cwd(), 'noop.js'));
  let mod: Record<string, unknown>;
  try {
    // Node ≥ 20.19 can require() ES modules without top-level await.
    mod = req(path.startsWith('file:') ? new URL(path).pathname : path) as Record<string, unknown>;
  } catch (err) {
    throw new Error(
      `Could not load entry point '${ep}' synchronously (${(err as Error).message}). Use 'await makeAsync(id)' or 'await loadEntryPoint(...)' first.`,
    );
  }
  const ctor = pickExport(mod, name, ep);
  loadedEntryPoints.set(ep, ctor);
  return ctor;
}

function isClass(fn: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function instantiate(ctor: EnvClass | EnvFactory, kwargs: EnvKwargs): Env {
  const env = isClass(ctor) ? new (ctor as EnvClass)(kwargs) : (ctor as EnvFactory)(kwargs);
  if (!env || typeof env.step !== 'function' || typeof env.reset !== 'function')
    throw new TypeError('Entry point did not produce an env (an object with reset() and step())');
  return env;
}

function build(reg: EnvRegistration, ctor: EnvClass | EnvFactory, kwargs: EnvKwargs | undefined, opts: MakeOptions): Env {
  const merged = { ...(reg.kwargs ?? {}), ...(kwargs ?? {}) };
  let env = instantiate(ctor, merged);
  const s = specOf(reg, merged);
  const limit = opts.maxEpisodeSteps === undefined ? reg.maxEpisodeSteps : opts.maxEpisodeSteps;
  if (limit === null || limit === undefined) delete s.maxEpisodeSteps;
  else s.maxEpisodeSteps = limit;
  try {
    env.spec = s;
  } catch {
    /* a user env may make spec read-only */
  }
  if (limit !== null && limit !== undefined) env = new TimeLimit(env, limit);
  if (!opts.disableEnvChecker) env = new EnvGuard(env);
  return env;
}

/**
 * Builds a registered env: the entry point with its registered kwargs overridden by `kwargs`,
 * wrapped in TimeLimit (when it has an episode limit) and EnvGuard, as Gymnasium's `make`.
 */
export function make<O = unknown, A = unknown>(id: string, kwargs?: EnvKwargs, opts: MakeOptions = {}): Env<O, A> {
  const reg = lookup(id);
  const ctor = typeof reg.entryPoint === 'string' ? loadEntryPointSync(reg.entryPoint) : reg.entryPoint;
  return build(reg, ctor, kwargs, opts) as Env<O, A>;
}

/** `make`, loading a module-path entry point with `import()` first (for TS loaders, top-level await). */
export async function makeAsync<O = unknown, A = unknown>(id: string, kwargs?: EnvKwargs, opts: MakeOptions = {}): Promise<Env<O, A>> {
  const reg = lookup(id);
  const ctor = typeof reg.entryPoint === 'string' ? await loadEntryPoint(reg.entryPoint) : reg.entryPoint;
  return build(reg, ctor, kwargs, opts) as Env<O, A>;
}

/** Loads a user's module (e.g. from `--import`) so that its `register()` calls run. */
export async function importModule(path: string): Promise<void> {
  await import(moduleSpecifier(path));
}
