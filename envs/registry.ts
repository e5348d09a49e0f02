import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distance } from 'fastest-levenshtein';
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

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

function checkEpisodeLimit(where: string, n: unknown): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0)
    throw new RangeError(`${where}: maxEpisodeSteps must be a positive integer, got ${String(n)}`);
}

function checkKwargs(where: string, kwargs: unknown): void {
  if (kwargs !== undefined && !isPlainObject(kwargs)) throw new TypeError(`${where}: kwargs must be a plain object, got ${String(kwargs)}`);
}

/** Adds (or replaces) an env id. Everything is validated before the registry changes. */
export function register(reg: EnvRegistration): void {
  if (!isPlainObject(reg)) throw new TypeError('register: expected an object { id, entryPoint, ... }');
  if (typeof reg.id !== 'string' || reg.id.trim().length === 0) throw new TypeError('register: id must be a non-empty string');
  const where = `register(${reg.id})`;
  const ep = reg.entryPoint;
  if (typeof ep !== 'function' && (typeof ep !== 'string' || ep.length === 0))
    throw new TypeError(`${where}: entryPoint must be a class, a factory function or a 'path/to/module.js:Export' string`);
  if (reg.maxEpisodeSteps !== undefined) checkEpisodeLimit(where, reg.maxEpisodeSteps);
  if (reg.rewardThreshold !== undefined && (typeof reg.rewardThreshold !== 'number' || Number.isNaN(reg.rewardThreshold)))
    throw new TypeError(`${where}: rewardThreshold must be a number, got ${String(reg.rewardThreshold)}`);
  checkKwargs(where, reg.kwargs);
  registry.set(reg.id, { ...reg, kwargs: { ...(reg.kwargs ?? {}) } });
}

export function unregister(id: string): boolean {
  return registry.delete(id);
}

export function registeredIds(): string[] {
  return [...registry.keys()].sort();
}

/** The registered spec of an id (a copy: changing it changes nothing). */
export function spec(id: string): EnvSpec {
  const reg = lookup(id);
  return specOf(reg, { ...(reg.kwargs ?? {}) });
}

function specOf(reg: EnvRegistration, kwargs: EnvKwargs): EnvSpec {
  const s: EnvSpec = { id: reg.id, kwargs };
  if (reg.maxEpisodeSteps !== undefined) s.maxEpisodeSteps = reg.maxEpisodeSteps;
  if (reg.rewardThreshold !== undefined) s.rewardThreshold = reg.rewardThreshold;
  if (reg.nondeterministic !== undefined) s.nondeterministic = reg.nondeterministic;
  if (typeof reg.entryPoint === 'string') s.entryPoint = reg.entryPoint;
  return s;
}

/** Registered ids close to `id` (edit distance, case-insensitive, or containing it), nearest first. */
export function closeMatches(id: string, limit = 5): string[] {
  const q = id.toLowerCase();
  const maxDistance = Math.max(3, Math.floor(id.length / 3));
  return registeredIds()
    .map((k) => ({ k, d: distance(q, k.toLowerCase()) }))
    .filter((x) => x.d <= maxDistance || (q.length >= 3 && x.k.toLowerCase().includes(q)))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, limit)
    .map((x) => x.k);
}

function lookup(id: string): EnvRegistration {
  if (typeof id !== 'string') throw new TypeError(`Env id must be a string, got ${String(id)}`);
  const reg = registry.get(id);
  if (reg) return reg;
  const near = closeMatches(id);
  const hint = near.length
    ? ` Did you mean: ${near.join(', ')}?`
    : registry.size
      ? ` Registered ids: ${registeredIds().slice(0, 20).join(', ')}${registry.size > 20 ? ', …' : ''}.`
      : ' No envs are registered (import pixelgym/envs or the module that registers yours).';
  throw new Error(`No env registered with id '${id}'.${hint}`);
}

/** 'dir/mod.js:Name' → path and export name. The name must be an identifier, so drive letters and 'file:' URLs stay whole. */
function splitEntryPoint(ep: string): { path: string; name: string } {
  const m = /^(.*):([A-Za-z_$][\w$]*)$/.exec(ep);
  if (m && m[1]!.length > 1) return { path: m[1]!, name: m[2]! };
  return { path: ep, name: 'default' };
}

/**
 * Relative and absolute paths resolve against the cwd, and so does a bare 'dir/mod.js' when that
 * file exists there (as `--import test/x.js` means on a command line); anything else is a package name.
 */
function resolveModulePath(path: string): { url: string; file: string | null } {
  if (path.startsWith('file:')) return { url: path, file: fileURLToPath(path) };
  if (path.startsWith('.') || isAbsolute(path) || existsSync(resolve(process.cwd(), path))) {
    const file = resolve(process.cwd(), path);
    return { url: pathToFileURL(file).href, file };
  }
  return { url: path, file: null };
}

function cacheKey(ep: string): string {
  const { path, name } = splitEntryPoint(ep);
  return `${resolveModulePath(path).url}#${name}`;
}

function pickExport(mod: Record<string, unknown>, name: string, ep: string): EnvClass | EnvFactory {
  const v = name === 'default' ? (mod.default ?? mod) : mod[name];
  if (typeof v !== 'function') {
    const exported = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new TypeError(
      `Entry point '${ep}': export '${name}' is not a class or function${exported.length ? ` (the module exports: ${exported.join(', ')})` : ''}`,
    );
  }
  return v as EnvClass | EnvFactory;
}

/** Loads a module-path entry point with `import()`; `make` then finds it loaded. */
export async function loadEntryPoint(ep: string): Promise<EnvClass | EnvFactory> {
  const key = cacheKey(ep);
  const hit = loadedEntryPoints.get(key);
  if (hit) return hit;
  const { path, name } = splitEntryPoint(ep);
  const mod = (await import(resolveModulePath(path).url)) as Record<string, unknown>;
  const ctor = pickExport(mod, name, ep);
  loadedEntryPoints.set(key, ctor);
  return ctor;
}

function loadEntryPointSync(ep: string): EnvClass | EnvFactory {
  const key = cacheKey(ep);
  const hit = loadedEntryPoints.get(key);
  if (hit) return hit;
  const { path, name } = splitEntryPoint(ep);
  const req = createRequire(resolve(process.cwd(), 'noop.js'));
  let mod: Record<string, unknown>;
  try {
    // Node ≥ 20.19 can require() ES modules that have no top-level await.
    mod = req(resolveModulePath(path).file ?? path) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = (e?.message ?? String(err)).split('\n')[0];
    if (e?.code === 'MODULE_NOT_FOUND' && reason?.includes(resolveModulePath(path).file ?? path))
      throw new Error(`Could not load entry point '${ep}': ${reason} (relative paths resolve against the working directory ${process.cwd()})`);
    throw new Error(`Could not load entry point '${ep}' synchronously (${reason}). Use 'await makeAsync(id)' or 'await loadEntryPoint(...)' first.`);
  }
  const ctor = pickExport(mod, name, ep);
  loadedEntryPoints.set(key, ctor);
  return ctor;
}

/** Classes (and ES5 constructors with prototype methods) need `new`; other functions are factories. */
function isConstructor(fn: Function): boolean {
  if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) return true;
  const proto = (fn as { prototype?: object }).prototype;
  return !!proto && Object.getOwnPropertyNames(proto).some((k) => k !== 'constructor');
}

function instantiate(id: string, ctor: EnvClass | EnvFactory, kwargs: EnvKwargs): Env {
  const env = isConstructor(ctor) ? new (ctor as EnvClass)(kwargs) : (ctor as EnvFactory)(kwargs);
  if (!env || typeof env.step !== 'function' || typeof env.reset !== 'function')
    throw new TypeError(`make(${id}): the entry point did not produce an env (an object with reset() and step())`);
  return env;
}

function build(reg: EnvRegistration, ctor: EnvClass | EnvFactory, kwargs: EnvKwargs | undefined, opts: MakeOptions): Env {
  const merged = { ...(reg.kwargs ?? {}), ...(kwargs ?? {}) };
  const limit = opts.maxEpisodeSteps === undefined ? reg.maxEpisodeSteps : opts.maxEpisodeSteps;
  let env = instantiate(reg.id, ctor, merged);
  const s = specOf(reg, merged);
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

function checkMakeArgs(id: string, kwargs: unknown, opts: unknown): void {
  const where = `make(${id})`;
  checkKwargs(where, kwargs);
  if (!isPlainObject(opts)) throw new TypeError(`${where}: options must be a plain object`);
  const limit = (opts as MakeOptions).maxEpisodeSteps;
  if (limit !== undefined && limit !== null) checkEpisodeLimit(where, limit);
}

/**
 * Builds a registered env: the entry point with its registered kwargs overridden by `kwargs`,
 * wrapped in TimeLimit (when it has an episode limit) and EnvGuard, as Gymnasium's `make`.
 * Module-path entry points load synchronously (require of ESM); use `makeAsync` otherwise.
 */
export function make<O = unknown, A = unknown>(id: string, kwargs?: EnvKwargs, opts: MakeOptions = {}): Env<O, A> {
  const reg = lookup(id);
  checkMakeArgs(id, kwargs, opts);
  const ctor = typeof reg.entryPoint === 'string' ? loadEntryPointSync(reg.entryPoint) : reg.entryPoint;
  return build(reg, ctor, kwargs, opts) as Env<O, A>;
}

/** `make`, loading a module-path entry point with `import()` first (for TS loaders, top-level await). */
export async function makeAsync<O = unknown, A = unknown>(id: string, kwargs?: EnvKwargs, opts: MakeOptions = {}): Promise<Env<O, A>> {
  const reg = lookup(id);
  checkMakeArgs(id, kwargs, opts);
  const ctor = typeof reg.entryPoint === 'string' ? await loadEntryPoint(reg.entryPoint) : reg.entryPoint;
  return build(reg, ctor, kwargs, opts) as Env<O, A>;
}

/** Loads a user's module (e.g. from `--import`) so that its `register()` calls run. */
export async function importModule(path: string): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('importModule: expected a module path or package name');
  await import(resolveModulePath(path).url);
}
