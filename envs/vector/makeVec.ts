import type { Env } from '../core.js';
import { importModule, makeAsync } from '../registry.js';
import { AsyncVectorEnv } from './async.js';
import { applyWrappers, loadWrapper, type WrapperRef } from './modules.js';
import { checkNumEnvs, type VectorEnvOptions } from './options.js';
import { SyncVectorEnv } from './sync.js';
import type { BatchArray, VectorEnv } from './types.js';

export interface MakeVecOptions extends VectorEnvOptions {
  /** Worker threads (AsyncVectorEnv) instead of this thread (SyncVectorEnv, the default). */
  async?: boolean;
  /** Overrides of the registered kwargs. */
  kwargs?: Record<string, unknown>;
  /** Overrides the registered episode limit; null removes it. */
  maxEpisodeSteps?: number | null;
  /** Modules imported first (in the workers too) for their register() calls. */
  imports?: string[];
  /** Wrappers applied to every sub-env in order; async needs 'module.js:Export' references. */
  wrappers?: WrapperRef[];
  /** Async only: worker threads (default one per env). */
  numWorkers?: number;
  /** Async only: longest wait for one reset / step, in ms. */
  timeoutMs?: number;
  /** Async only: longest wait for the workers to start, in ms. */
  startTimeoutMs?: number;
  /** Async only: how long a call may block this thread waiting for the workers, in ms (see AsyncVectorEnvOptions). */
  blockingWaitMs?: number;
  /** Async only: how long idle workers poll for the next op before they sleep, in µs (see AsyncVectorEnvOptions). */
  spinMicros?: number;
  /** Async only: pin each worker to its own CPU (Linux; see AsyncVectorEnvOptions). */
  pinWorkers?: boolean;
}

/**
 * `numEnvs` copies of a registered env in a vector env (Gymnasium's `make_vec`). Sub-envs are
 * made without the EnvGuard: the vector env checks actions and drives resets itself.
 */
export function makeVec<O extends BatchArray = BatchArray>(id: string, numEnvs: number, opts: MakeVecOptions & { async: true }): Promise<AsyncVectorEnv<O>>;
export function makeVec<O extends BatchArray = BatchArray>(id: string, numEnvs: number, opts?: MakeVecOptions & { async?: false }): Promise<SyncVectorEnv<O>>;
export function makeVec<O extends BatchArray = BatchArray>(id: string, numEnvs: number, opts?: MakeVecOptions): Promise<VectorEnv<O>>;
export async function makeVec<O extends BatchArray = BatchArray>(id: string, numEnvs: number, opts: MakeVecOptions = {}): Promise<VectorEnv<O>> {
  checkNumEnvs(numEnvs);
  if (opts.async) {
    const wrappers = opts.wrappers ?? [];
    if (wrappers.some((w) => typeof w !== 'string'))
      throw new TypeError("makeVec: with async: true, wrappers must be 'module.js:Export' references (functions can't reach worker threads)");
    const a = { ...opts, id, numEnvs, wrappers: wrappers as string[] };
    delete a.async;
    return AsyncVectorEnv.create<O>(a);
  }
  for (const m of opts.imports ?? []) await importModule(m);
  const wrappers = await Promise.all((opts.wrappers ?? []).map((w) => loadWrapper(w)));
  const envs: Env[] = [];
  try {
    for (let i = 0; i < numEnvs; i++) {
      const env = await makeAsync(id, opts.kwargs, { maxEpisodeSteps: opts.maxEpisodeSteps, disableEnvChecker: true });
      envs.push(applyWrappers(env, wrappers));
    }
  } catch (err) {
    for (const e of envs) e.close();
    throw err;
  }
  const vecOpts: VectorEnvOptions = {};
  if (opts.autoresetMode !== undefined) vecOpts.autoresetMode = opts.autoresetMode;
  if (opts.seed !== undefined) vecOpts.seed = opts.seed;
  if (opts.copy !== undefined) vecOpts.copy = opts.copy;
  return new SyncVectorEnv<O>(envs.map((e) => () => e), vecOpts);
}
