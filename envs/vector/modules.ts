import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from '../core.js';

/** Wraps one sub-env, e.g. `(env) => new TimeLimit(env, 100)`. */
export type WrapperFn = (env: Env) => Env;
/**
 * A wrapper as a function, or as a module reference 'path/to/module.js:ExportName' (default
 * export when no name) whose export is a wrapper class or a function env => env. Only module
 * references can reach worker threads.
 */
export type WrapperRef = WrapperFn | string;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Splits 'module:Export' (a Windows drive colon or a 'file:' URL scheme is not a separator). */
export function splitModuleRef(ref: string): { path: string; exportName: string } {
  const i = ref.lastIndexOf(':');
  const name = i > 1 ? ref.slice(i + 1) : '';
  if (IDENT.test(name)) return { path: ref.slice(0, i), exportName: name };
  return { path: ref, exportName: 'default' };
}

/** A relative or absolute path becomes a file URL (relative to the current directory); package names stay. */
export function moduleSpecifier(path: string): string {
  if (path.startsWith('file:')) return path;
  if (path.startsWith('.') || isAbsolute(path)) return pathToFileURL(resolve(process.cwd(), path)).href;
  return path;
}

/** The same reference with its path made absolute, so that another thread resolves it the same way. */
export function absoluteModuleRef(ref: string): string {
  const { path, exportName } = splitModuleRef(ref);
  const spec = moduleSpecifier(path);
  return exportName === 'default' ? spec : `${spec}:${exportName}`;
}

function isClass(fn: Function): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

export async function loadWrapper(ref: WrapperRef): Promise<WrapperFn> {
  if (typeof ref === 'function') return ref;
  if (typeof ref !== 'string') throw new TypeError(`vector env: a wrapper must be a function or a 'module.js:Export' string, got ${String(ref)}`);
  const { path, exportName } = splitModuleRef(ref);
  const mod = (await import(moduleSpecifier(path))) as Record<string, unknown>;
  const v = exportName === 'default' ? mod.default : mod[exportName];
  if (typeof v !== 'function') throw new TypeError(`vector env: wrapper '${ref}': export '${exportName}' is not a class or function`);
  const fn = v as Function;
  return isClass(fn) ? (env) => new (fn as new (e: Env) => Env)(env) : (env) => (fn as WrapperFn)(env);
}

export function applyWrappers(env: Env, wrappers: readonly WrapperFn[]): Env {
  let e = env;
  for (const w of wrappers) {
    e = w(e);
    if (!e || typeof e.step !== 'function') throw new TypeError('vector env: a wrapper did not return an env');
  }
  return e;
}
