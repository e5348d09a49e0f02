import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvSpec } from '../core.js';
import { spec as registeredSpec } from '../registry.js';
import { workerCpus } from './affinity.js';
import { absoluteModuleRef } from './modules.js';
import { checkNumEnvs, checkSeed, resolveMode, type VectorEnvOptions } from './options.js';
import type { WorkerConfig, WorkerRegistration } from './protocol.js';

export interface AsyncVectorEnvOptions extends VectorEnvOptions {
  /** A registered env id; workers build it with the registry's makeAsync. */
  id: string;
  numEnvs: number;
  /** Overrides of the registered kwargs (must be structured-cloneable). */
  kwargs?: Record<string, unknown>;
  /** Overrides the registered episode limit; null removes it. */
  maxEpisodeSteps?: number | null;
  /** Modules every worker imports first so that their register() calls run (paths relative to the cwd, or packages). */
  imports?: string[];
  /** Wrappers as 'module.js:Export' references, applied to every sub-env in order (see WrapperRef). */
  wrappers?: string[];
  /** Worker threads to spread the envs over, in contiguous groups (default: one per env). */
  numWorkers?: number;
  /** Longest wait for one reset or step, in ms (default 60 000); past it the vector env closes itself. */
  timeoutMs?: number;
  /** Longest wait for the workers to import their modules and build their envs, in ms (default 60 000). */
  startTimeoutMs?: number;
  /**
   * How long step()/reset() may block this thread (Atomics.wait, no event loop) waiting for the
   * workers, in ms (default 2). Steps that finish within it skip the event loop entirely; longer
   * ones continue with an event-loop wait. 0 never blocks (other callbacks keep running meanwhile).
   */
  blockingWaitMs?: number;
  /**
   * How long an idle worker polls for the next op before it sleeps, in µs (default 100). Saves a
   * futex wake-up (tens of µs here) per worker per step when steps follow each other quickly.
   * A worker whose polls keep running out (slow main thread, busy machine) polls ever more rarely,
   * so it then costs little CPU. 0 always sleeps.
   */
  spinMicros?: number;
  /**
   * Pin each worker thread to its own CPU (Linux, via util-linux's taskset; default true when there
   * are at least as many CPUs as workers). On the 2-vCPU VMs we measured, unpinned workers often
   * shared one vCPU for tens of ms, and a step then took as long as in one thread. Best effort:
   * where pinning is impossible the workers run unpinned (`workerStates[i].cpu` is null).
   */
  pinWorkers?: boolean;
  /** The compiled worker script (default: worker.js next to this module, or dist/envs/vector/ when running from sources). */
  workerScript?: string;
}

export const DEFAULT_BLOCKING_WAIT_MS = 2;
export const DEFAULT_SPIN_MICROS = 100;

/** The compiled worker: next to this module in dist/, or in dist/ when this module runs from the TS sources. */
export function defaultWorkerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return join(dirname(here), '..', '..', 'dist', 'envs', 'vector', 'worker.js');
  return join(dirname(here), 'worker.js');
}

/** Checks AsyncVectorEnv options before any thread starts; returns what the workers and the env need. */
export function checkAsyncOptions(opts: AsyncVectorEnvOptions) {
  if (!opts || typeof opts !== 'object') throw new TypeError('AsyncVectorEnv.create: expected an options object');
  if (typeof opts.id !== 'string' || opts.id.length === 0) throw new TypeError('AsyncVectorEnv.create: id must be a registered env id');
  checkNumEnvs(opts.numEnvs);
  const numWorkers = opts.numWorkers ?? opts.numEnvs;
  if (!Number.isInteger(numWorkers) || numWorkers < 1 || numWorkers > opts.numEnvs)
    throw new RangeError(`AsyncVectorEnv.create: numWorkers must be an integer in [1, ${opts.numEnvs}], got ${String(numWorkers)}`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  if (!(timeoutMs > 0)) throw new RangeError(`AsyncVectorEnv.create: timeoutMs must be positive, got ${String(timeoutMs)}`);
  if (!(startTimeoutMs > 0)) throw new RangeError(`AsyncVectorEnv.create: startTimeoutMs must be positive, got ${String(startTimeoutMs)}`);
  const blockingWaitMs = opts.blockingWaitMs ?? DEFAULT_BLOCKING_WAIT_MS;
  const spinMicros = opts.spinMicros ?? DEFAULT_SPIN_MICROS;
  if (!(blockingWaitMs >= 0 && blockingWaitMs <= timeoutMs))
    throw new RangeError(`AsyncVectorEnv.create: blockingWaitMs must be in [0, timeoutMs], got ${String(blockingWaitMs)}`);
  if (!(spinMicros >= 0 && spinMicros <= 1_000_000))
    throw new RangeError(`AsyncVectorEnv.create: spinMicros must be in [0, 1e6], got ${String(spinMicros)}`);
  if (opts.pinWorkers !== undefined && typeof opts.pinWorkers !== 'boolean')
    throw new TypeError(`AsyncVectorEnv.create: pinWorkers must be true or false, got ${JSON.stringify(opts.pinWorkers)}`);
  const cpus = opts.pinWorkers === false ? new Array<number | null>(numWorkers).fill(null) : workerCpus(numWorkers);
  checkSeed(opts.seed, 'AsyncVectorEnv.create: seed');
  const script = opts.workerScript ?? defaultWorkerScript();
  if (!existsSync(script)) throw new Error(`AsyncVectorEnv: worker script ${script} not found; build the project first (npm run build)`);
  const mode = resolveMode(opts.autoresetMode);
  const strings = (xs: unknown, what: string): string[] => {
    if (xs === undefined) return [];
    if (!Array.isArray(xs) || xs.some((x) => typeof x !== 'string'))
      throw new TypeError(
        `AsyncVectorEnv.create: ${what} must be a list of module paths${what === 'wrappers' ? " ('module.js:Export'); functions can't reach worker threads" : ''}`,
      );
    return xs as string[];
  };
  const kwargs = opts.kwargs ?? {};
  try {
    structuredClone(kwargs);
  } catch (err) {
    throw new TypeError(`AsyncVectorEnv.create: kwargs can't be sent to worker threads: ${(err as Error).message}`);
  }
  const worker: Omit<WorkerConfig, 'envIndices' | 'cpu'> = {
    id: opts.id,
    kwargs,
    maxEpisodeSteps: opts.maxEpisodeSteps,
    autoresetMode: mode,
    imports: strings(opts.imports, 'imports').map(absoluteModuleRef),
    wrappers: strings(opts.wrappers, 'wrappers').map(absoluteModuleRef),
    registration: moduleRegistration(opts.id),
    spinMicros,
  };
  return { numEnvs: opts.numEnvs, numWorkers, timeoutMs, startTimeoutMs, blockingWaitMs, mode, script, worker, cpus };
}

/** This thread's registration of `id` when its entry point is a module path, for the workers to repeat. */
function moduleRegistration(id: string): WorkerRegistration | null {
  let s: EnvSpec;
  try {
    s = registeredSpec(id);
  } catch {
    return null; // not registered here: the workers' imports may register it
  }
  if (typeof s.entryPoint !== 'string') return null;
  const reg: WorkerRegistration = { id: s.id, entryPoint: s.entryPoint };
  if (s.maxEpisodeSteps !== undefined) reg.maxEpisodeSteps = s.maxEpisodeSteps;
  if (s.rewardThreshold !== undefined) reg.rewardThreshold = s.rewardThreshold;
  if (s.nondeterministic !== undefined) reg.nondeterministic = s.nondeterministic;
  if (s.kwargs !== undefined) reg.kwargs = s.kwargs;
  return reg;
}
