import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { EnvMetadata, EnvSpec, Info } from '../core.js';
import { registeredIds, spec as registeredSpec } from '../registry.js';
import { spaceFromJSON } from '../spaces/json.js';
import type { Space } from '../spaces/space.js';
import { writeActions } from './actions.js';
import { batchLayoutSpace } from './batchSpace.js';
import { allocBuffers, resetResult, stepResult, type BatchBuffers } from './buffers.js';
import { describeEnvs, VectorEnvError } from './errors.js';
import { slotLayout, type SlotLayout } from './layout.js';
import { absoluteModuleRef } from './modules.js';
import { checkNumEnvs, checkSeed, expandSeeds, resolveMode, type VectorEnvOptions } from './options.js';
import {
  CTRL_CMD,
  CTRL_DONE,
  CTRL_HAS_MSG,
  CTRL_LENGTH,
  CTRL_OP,
  OP_CLOSE,
  OP_RESET,
  OP_STEP,
  type ResetPayload,
  type WorkerConfig,
  type WorkerData,
  type WorkerHello,
  type WorkerRegistration,
  type WorkerReply,
  type WorkerSetup,
} from './protocol.js';
import type { AutoresetMode, BatchArray, VecResetOptions, VecResetResult, VecStepResult, VectorEnv } from './types.js';

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
  /** The compiled worker script (default: worker.js next to this module, or dist/envs/vector/ when running from sources). */
  workerScript?: string;
}

export interface WorkerState {
  readonly envIndices: readonly number[];
  readonly threadId: number;
  readonly exited: boolean;
  readonly exitCode: number | null;
}

interface Handle {
  worker: Worker;
  threadId: number;
  ctrl: Int32Array;
  port: MessagePort;
  envIndices: number[];
  seq: number;
  exited: boolean;
  exitCode: number | null;
  crash: Error | null;
}

interface Batch {
  observationSpace: Space;
  actionSpace: Space;
  metadata: EnvMetadata;
  spec: EnvSpec | null;
}

type WaitResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
// Atomics.waitAsync (V8 ≥ 8.7, Node ≥ 16) is not in the ES2023 lib typings.
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t?: number) => WaitResult }).waitAsync;

/** The compiled worker: next to this module in dist/, or in dist/ when this module runs from the TS sources. */
export function defaultWorkerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return join(dirname(here), '..', '..', 'dist', 'envs', 'vector', 'worker.js');
  return join(dirname(here), 'worker.js');
}

/**
 * Runs its sub-envs in worker threads (Gymnasium's `AsyncVectorEnv`), every call a promise.
 * Workers build the envs by id (built-ins, `imports`, or a module-path entry point registered
 * in this thread) and write observations, rewards and flags straight into shared memory; see
 * protocol.ts. An env that throws rejects the call with a `VectorEnvError` naming it and requires
 * a reset; a worker that dies or a call that times out closes the whole vector env.
 * Create with `await AsyncVectorEnv.create({...})`; always `await close()`.
 */
export class AsyncVectorEnv<O extends BatchArray = BatchArray> implements VectorEnv<O> {
  readonly numEnvs: number;
  readonly autoresetMode: AutoresetMode;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly metadata: EnvMetadata;
  readonly spec: EnvSpec | null;
  private readonly obsLayout: SlotLayout;
  private readonly actLayout: SlotLayout;
  private readonly infos: Array<Info | null>;
  private readonly finalInfos: Array<Info | null>;
  private needsReset = true;
  private busy = false;
  private closing: Promise<void> | null = null;
  private fatal: Error | null = null;
  private pendingSeed: number | undefined;

  private constructor(
    private readonly handles: Handle[],
    /** Shared with every worker: [0] counts the workers still busy with the current op. */
    private readonly pending: Int32Array,
    batch: Batch,
    private readonly bufs: BatchBuffers,
    private readonly opts: Readonly<{ numEnvs: number; mode: AutoresetMode; copy: boolean; timeoutMs: number; seed?: number }>,
  ) {
    this.numEnvs = opts.numEnvs;
    this.autoresetMode = opts.mode;
    this.singleObservationSpace = batch.observationSpace;
    this.singleActionSpace = batch.actionSpace;
    this.obsLayout = slotLayout(batch.observationSpace, 'observation');
    this.actLayout = slotLayout(batch.actionSpace, 'action');
    this.observationSpace = batchLayoutSpace(this.obsLayout, this.numEnvs);
    this.actionSpace = batchLayoutSpace(this.actLayout, this.numEnvs);
    if (opts.seed !== undefined) {
      this.singleActionSpace.seed(opts.seed);
      this.actionSpace.seed(opts.seed);
    }
    this.metadata = batch.metadata;
    this.spec = batch.spec;
    this.pendingSeed = opts.seed;
    this.infos = new Array<Info | null>(this.numEnvs).fill(null);
    this.finalInfos = new Array<Info | null>(this.numEnvs).fill(null);
  }

  static async create<O extends BatchArray = BatchArray>(opts: AsyncVectorEnvOptions): Promise<AsyncVectorEnv<O>> {
    const cfg = checkOptions(opts);
    const script = opts.workerScript ?? defaultWorkerScript();
    if (!existsSync(script)) throw new Error(`AsyncVectorEnv: worker script ${script} not found; build the project first (npm run build)`);
    const pending = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const handles = groups(cfg.numEnvs, cfg.numWorkers).map((envIndices) => spawn(script, { ...cfg.worker, envIndices }, pending));
    try {
      // An id registered here with a class or factory is the usual reason a worker can't find it.
      const hint = registeredIds().includes(cfg.worker.id)
        ? ` ('${cfg.worker.id}' is registered in this thread with a class or factory, which workers can't see: list the module that registers it in \`imports\`, or register it with a 'module.js:Export' entry point)`
        : '';
      const hellos = await Promise.all(handles.map((h) => hello(h, cfg.startTimeoutMs, hint)));
      const first = hellos[0]!;
      const key = (h: typeof first) => JSON.stringify([h.observationSpace, h.actionSpace]);
      hellos.forEach((h, k) => {
        if (key(h) !== key(first))
          throw new VectorEnvError(`AsyncVectorEnv: ${describeEnvs(handles[k]!.envIndices)} have different spaces than env 0`, handles[k]!.envIndices);
      });
      const batch: Batch = {
        observationSpace: spaceFromJSON(first.observationSpace),
        actionSpace: spaceFromJSON(first.actionSpace),
        metadata: first.metadata,
        spec: first.spec,
      };
      const obs = slotLayout(batch.observationSpace, 'observation');
      const act = slotLayout(batch.actionSpace, 'action');
      const bufs = allocBuffers(cfg.numEnvs, obs, act, cfg.mode, true);
      const setup: WorkerSetup = { kind: 'buffers', buffers: bufs };
      for (const h of handles) {
        h.worker.postMessage(setup);
        h.worker.unref(); // idle workers must not keep the process alive
      }
      const runOpts = { numEnvs: cfg.numEnvs, mode: cfg.mode, copy: opts.copy ?? true, timeoutMs: cfg.timeoutMs };
      return new AsyncVectorEnv<O>(handles, pending, batch, bufs, opts.seed === undefined ? runOpts : { ...runOpts, seed: opts.seed });
    } catch (err) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw err;
    }
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Each worker's env indices, thread id, and whether its thread has exited. */
  get workerStates(): WorkerState[] {
    return this.handles.map((h) => ({ envIndices: [...h.envIndices], threadId: h.threadId, exited: h.exited, exitCode: h.exitCode }));
  }

  async reset(opts: VecResetOptions = {}): Promise<VecResetResult<O>> {
    this.assertUsable('reset');
    const seeds = expandSeeds(opts.seed === undefined && this.pendingSeed !== undefined ? { ...opts, seed: this.pendingSeed } : opts, this.numEnvs);
    if (opts.options !== undefined) {
      try {
        structuredClone(opts.options);
      } catch (err) {
        throw new TypeError(`reset: options can't be sent to worker threads: ${(err as Error).message}`);
      }
    }
    this.pendingSeed = undefined;
    this.needsReset = true;
    await this.run(OP_RESET, 'reset', (h) => {
      const p: ResetPayload = { seeds: h.envIndices.map((i) => seeds[i]!) };
      if (opts.options !== undefined) p.options = opts.options;
      return p;
    });
    this.needsReset = false;
    return resetResult(this.bufs, this.numEnvs, this.infos, this.opts.copy) as VecResetResult<O>;
  }

  async step(actions: ArrayLike<number>): Promise<VecStepResult<O>> {
    this.assertUsable('step');
    if (this.needsReset) throw new Error('AsyncVectorEnv: step() needs a successful reset() first');
    // Workers are idle between calls, so the shared action buffer can be written now.
    writeActions(this.actLayout, this.numEnvs, actions, this.bufs.actions);
    await this.run(OP_STEP, 'step', null);
    return stepResult(this.bufs, this.numEnvs, this.obsLayout, this.infos, this.finalInfos, this.opts.copy) as VecStepResult<O>;
  }

  /** Closes the sub-envs and ends every worker thread; idempotent, resolves when all threads have exited. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(!this.busy && this.fatal === null);
    return this.closing;
  }

  private assertUsable(what: string): void {
    if (this.closing) {
      const why = this.fatal ? ` (it shut down after: ${this.fatal.message})` : '';
      throw new Error(`AsyncVectorEnv: ${what}() after close()${why}`);
    }
    if (this.busy) throw new Error(`AsyncVectorEnv: ${what}() while another call is running; await it first`);
  }

  /** Sends one op to every worker and waits for all of them; gathers infos, or throws their errors. */
  private async run(op: number, phase: string, payload: ((h: Handle) => ResetPayload) | null): Promise<void> {
    this.busy = true;
    const fatal: VectorEnvError[] = [];
    const failed: VectorEnvError[] = [];
    this.infos.fill(null);
    this.finalInfos.fill(null);
    try {
      Atomics.store(this.pending, 0, this.handles.length);
      for (const h of this.handles) {
        h.worker.ref();
        if (payload) h.port.postMessage(payload(h));
        signal(h, op);
      }
      fatal.push(...(await waitAll(this.handles, this.pending, phase, this.opts.timeoutMs)));
      if (fatal.length === 0) for (const h of this.handles) if (Atomics.load(h.ctrl, CTRL_HAS_MSG) === 1) this.receive(h, phase, failed);
    } finally {
      for (const h of this.handles) h.worker.unref();
      this.busy = false;
    }
    if (fatal.length > 0 && this.closing && this.fatal === null) {
      throw new VectorEnvError(`AsyncVectorEnv: close() was called during ${phase}()`, fatal.flatMap((e) => e.envIndices));
    }
    if (fatal.length > 0) {
      const err = combine(fatal);
      this.fatal = err;
      await this.close();
      throw err;
    }
    if (failed.length > 0) {
      this.needsReset = true;
      throw combine(failed);
    }
  }

  private receive(h: Handle, phase: string, failed: VectorEnvError[]): void {
    const reply = receiveMessageOnPort(h.port)?.message as WorkerReply | undefined;
    if (!reply) {
      failed.push(new VectorEnvError(`${describeEnvs(h.envIndices)}: worker signalled a message that did not arrive`, h.envIndices));
      return;
    }
    if (reply.kind === 'error') {
      const r = reply;
      const cause = new Error(r.message);
      if (r.stack !== undefined) cause.stack = r.stack;
      const idx = r.envIndex >= 0 ? [r.envIndex] : h.envIndices;
      const where = r.envIndex >= 0 ? `env ${r.envIndex} failed in ${phase}()` : `${describeEnvs(h.envIndices)}: worker failed to ${r.phase} ${phase}`;
      failed.push(new VectorEnvError(`${where}: ${r.message}`, idx, { cause }));
      return;
    }
    h.envIndices.forEach((i, k) => {
      this.infos[i] = reply.infos[k] ?? null;
      this.finalInfos[i] = reply.finalInfos?.[k] ?? null;
    });
  }

  private async shutdown(polite: boolean): Promise<void> {
    for (const h of this.handles) h.worker.ref();
    if (polite) {
      // Let the envs run their close(), briefly; terminate() below ends the threads regardless.
      const live = this.handles.filter((h) => !h.exited);
      Atomics.store(this.pending, 0, live.length);
      for (const h of live) signal(h, OP_CLOSE);
      await waitAll(live, this.pending, 'close', Math.min(this.opts.timeoutMs, 5000));
    }
    await Promise.all(this.handles.map((h) => (h.exited ? undefined : h.worker.terminate())));
  }
}

function signal(h: Handle, op: number): void {
  Atomics.store(h.ctrl, CTRL_OP, op);
  Atomics.store(h.ctrl, CTRL_HAS_MSG, 0);
  h.seq = (h.seq + 1) | 0;
  Atomics.store(h.ctrl, CTRL_CMD, h.seq);
  Atomics.notify(h.ctrl, CTRL_CMD);
}

/**
 * Waits until every worker finished the op (each decrements `pending`, the last one notifies, so
 * this wakes once per op). Returns the errors of workers that died or ran out of time; a death
 * ends the wait at once, since the vector env then closes anyway.
 */
async function waitAll(hs: readonly Handle[], pending: Int32Array, phase: string, timeoutMs: number): Promise<VectorEnvError[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const cur = Atomics.load(pending, 0);
    const dead = hs.filter((h) => h.exited && Atomics.load(h.ctrl, CTRL_DONE) !== h.seq);
    if (dead.length > 0) return dead.map((h) => deathError(h, `during ${phase}()`));
    const busy = hs.filter((h) => Atomics.load(h.ctrl, CTRL_DONE) !== h.seq);
    if (busy.length === 0) return [];
    const left = deadline - performance.now();
    if (left <= 0)
      return busy.map((h) => new VectorEnvError(`${describeEnvs(h.envIndices)}: no answer to ${phase}() within ${timeoutMs} ms (env stuck?)`, h.envIndices));
    const r = waitAsync(pending, 0, cur, left);
    if (r.async) await r.value;
  }
}

function deathError(h: Handle, when: string): VectorEnvError {
  const why = h.crash ? `crashed: ${h.crash.message}` : `exited with code ${h.exitCode}`;
  return new VectorEnvError(`${describeEnvs(h.envIndices)}: worker thread ${why} ${when}`, h.envIndices, { cause: h.crash ?? undefined });
}

function combine(errors: VectorEnvError[]): VectorEnvError {
  if (errors.length === 1) return errors[0]!;
  errors.sort((a, b) => a.envIndex - b.envIndex);
  const indices = [...new Set(errors.flatMap((e) => e.envIndices))].sort((a, b) => a - b);
  return new VectorEnvError(errors.map((e) => e.message).join('; '), indices, { cause: errors[0] });
}

function spawn(script: string, config: WorkerConfig, pending: Int32Array): Handle {
  const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_LENGTH * Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const data: WorkerData = { config, ctrl, pending, port: port2 };
  const worker = new Worker(script, { workerData: data, transferList: [port2] });
  const h: Handle = { worker, threadId: worker.threadId, ctrl, port: port1, envIndices: config.envIndices, seq: 0, exited: false, exitCode: null, crash: null };
  worker.on('error', (err: Error) => {
    h.crash = err;
  });
  worker.on('exit', (code: number) => {
    h.exited = true;
    h.exitCode = code;
    port1.close();
    Atomics.notify(pending, 0); // wakes waitAll()
  });
  return h;
}

function hello(h: Handle, timeoutMs: number, notFoundHint: string): Promise<Extract<WorkerHello, { kind: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      h.worker.off('message', onMessage);
      h.worker.off('exit', onExit);
    };
    const onMessage = (m: WorkerHello) => {
      done();
      if (m.kind === 'ready') resolve(m);
      else {
        const cause = new Error(m.message);
        if (m.stack !== undefined) cause.stack = m.stack;
        const hint = /No env registered/.test(m.message) ? notFoundHint : '';
        reject(new VectorEnvError(`${describeEnvs(h.envIndices)}: worker could not build the env: ${m.message}${hint}`, h.envIndices, { cause }));
      }
    };
    const onExit = () => {
      done();
      reject(deathError(h, 'while starting'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new VectorEnvError(`${describeEnvs(h.envIndices)}: worker did not start within ${timeoutMs} ms`, h.envIndices));
    }, timeoutMs);
    h.worker.on('message', onMessage);
    h.worker.on('exit', onExit);
  });
}

/** Contiguous, near-equal groups of env indices. */
function groups(numEnvs: number, numWorkers: number): number[][] {
  const out: number[][] = [];
  let next = 0;
  for (let w = 0; w < numWorkers; w++) {
    const size = Math.floor(numEnvs / numWorkers) + (w < numEnvs % numWorkers ? 1 : 0);
    out.push(Array.from({ length: size }, () => next++));
  }
  return out;
}

function checkOptions(opts: AsyncVectorEnvOptions) {
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
  checkSeed(opts.seed, 'AsyncVectorEnv.create: seed');
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
  const worker: Omit<WorkerConfig, 'envIndices'> = {
    id: opts.id,
    kwargs,
    maxEpisodeSteps: opts.maxEpisodeSteps,
    autoresetMode: mode,
    imports: strings(opts.imports, 'imports').map(absoluteModuleRef),
    wrappers: strings(opts.wrappers, 'wrappers').map(absoluteModuleRef),
    registration: moduleRegistration(opts.id),
  };
  return { numEnvs: opts.numEnvs, numWorkers, timeoutMs, startTimeoutMs, mode, worker };
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
