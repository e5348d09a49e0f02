import { receiveMessageOnPort } from 'node:worker_threads';
import type { EnvMetadata, EnvSpec } from '../core.js';
import { registeredIds } from '../registry.js';
import { spaceFromJSON } from '../spaces/json.js';
import type { Space } from '../spaces/space.js';
import { writeActions } from './actions.js';
import { checkAsyncOptions, type AsyncVectorEnvOptions } from './asyncOptions.js';
import { setupBatch, type BatchSetup } from './batch.js';
import { resetResult, stepResult } from './buffers.js';
import { combineErrors, describeEnvs, VectorEnvError } from './errors.js';
import { expandSeeds } from './options.js';
import { CTRL_HAS_MSG, OP_CLOSE, OP_RESET, OP_STEP, type ResetPayload, type WorkerReply, type WorkerSetup } from './protocol.js';
import type { AutoresetMode, BatchArray, VecResetOptions, VecResetResult, VecStepResult, VectorEnv } from './types.js';
import { blockedFailures, groups, hello, signal, spawn, unfinished, waitAll, waitAllBlocking, type Handle, type WorkerState } from './workers.js';

export type { AsyncVectorEnvOptions } from './asyncOptions.js';
export type { WorkerState } from './workers.js';

interface Singles {
  observationSpace: Space;
  actionSpace: Space;
  metadata: EnvMetadata;
  spec: EnvSpec | null;
}

interface RunOptions {
  numEnvs: number;
  mode: AutoresetMode;
  copy: boolean;
  timeoutMs: number;
  blockingWaitMs: number;
  seed?: number;
}

/**
 * Runs its sub-envs in worker threads (Gymnasium's `AsyncVectorEnv`): reset/step return promises,
 * resetSync/stepSync block instead.
 * Workers build the envs by id (built-ins, `imports`, or a module-path entry point registered
 * in this thread) and write observations, rewards and flags straight into shared memory; see
 * protocol.ts. An env that throws rejects the call with a `VectorEnvError` naming it and requires
 * a reset; a worker that dies or a call that times out closes the whole vector env.
 * A call blocks this thread for up to `blockingWaitMs` (default 2 ms) while the workers run, so
 * short steps skip the event loop; longer ones let it run for the rest of the wait.
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
  private needsReset = true;
  private busy = false;
  private closing: Promise<void> | null = null;
  private fatal: Error | null = null;
  private pendingSeed: number | undefined;

  private constructor(
    private readonly handles: Handle[],
    /** Shared with every worker: [0] counts the workers still busy with the current op. */
    private readonly pending: Int32Array,
    singles: Singles,
    private readonly batch: BatchSetup,
    private readonly opts: Readonly<RunOptions>,
  ) {
    this.numEnvs = opts.numEnvs;
    this.autoresetMode = opts.mode;
    this.singleObservationSpace = singles.observationSpace;
    this.singleActionSpace = singles.actionSpace;
    this.observationSpace = batch.observationSpace;
    this.actionSpace = batch.actionSpace;
    this.metadata = singles.metadata;
    this.spec = singles.spec;
    this.pendingSeed = opts.seed;
  }

  static async create<O extends BatchArray = BatchArray>(opts: AsyncVectorEnvOptions): Promise<AsyncVectorEnv<O>> {
    const cfg = checkAsyncOptions(opts);
    const pending = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const handles = groups(cfg.numEnvs, cfg.numWorkers).map((envIndices, k) => spawn(cfg.script, { ...cfg.worker, envIndices, cpu: cfg.cpus[k]! }, pending));
    try {
      // An id registered here with a class or factory is the usual reason a worker can't find it.
      const hint = registeredIds().includes(cfg.worker.id)
        ? ` ('${cfg.worker.id}' is registered in this thread with a class or factory, which workers can't see: list the module that registers it in \`imports\`, or register it with a 'module.js:Export' entry point)`
        : '';
      const hellos = await Promise.all(handles.map((h) => hello(h, cfg.startTimeoutMs, hint)));
      hellos.forEach((m, k) => {
        handles[k]!.tid = m.tid;
        handles[k]!.cpu = m.pinnedCpu;
      });
      const first = hellos[0]!;
      const key = (h: typeof first) => JSON.stringify([h.observationSpace, h.actionSpace]);
      hellos.forEach((h, k) => {
        if (key(h) !== key(first))
          throw new VectorEnvError(`AsyncVectorEnv: ${describeEnvs(handles[k]!.envIndices)} have different spaces than env 0`, handles[k]!.envIndices);
      });
      const singles: Singles = {
        observationSpace: spaceFromJSON(first.observationSpace),
        actionSpace: spaceFromJSON(first.actionSpace),
        metadata: first.metadata,
        spec: first.spec,
      };
      const batch = setupBatch(singles, cfg.numEnvs, cfg.mode, true, opts.seed);
      const setup: WorkerSetup = { kind: 'buffers', buffers: batch.bufs };
      for (const h of handles) {
        h.worker.postMessage(setup);
        h.worker.unref(); // idle workers must not keep the process alive
      }
      const runOpts: RunOptions = { numEnvs: cfg.numEnvs, mode: cfg.mode, copy: opts.copy ?? true, timeoutMs: cfg.timeoutMs, blockingWaitMs: cfg.blockingWaitMs };
      if (opts.seed !== undefined) runOpts.seed = opts.seed;
      return new AsyncVectorEnv<O>(handles, pending, singles, batch, runOpts);
    } catch (err) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw err;
    }
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Each worker's env indices, thread ids, pinned CPU, and whether its thread has exited. */
  get workerStates(): WorkerState[] {
    return this.handles.map((h) => ({ envIndices: [...h.envIndices], threadId: h.threadId, tid: h.tid, cpu: h.cpu, exited: h.exited, exitCode: h.exitCode }));
  }

  async reset(opts: VecResetOptions = {}): Promise<VecResetResult<O>> {
    await this.run(OP_RESET, 'reset', this.prepareReset(opts));
    return this.resetOutcome();
  }

  async step(actions: ArrayLike<number>): Promise<VecStepResult<O>> {
    this.prepareStep(actions);
    await this.run(OP_STEP, 'step', null);
    return this.stepOutcome();
  }

  /**
   * reset() that blocks this thread until the workers are done: no promise, no event loop. A
   * worker that dies, or no answer within `timeoutMs`, throws and closes the vector env.
   */
  resetSync(opts: VecResetOptions = {}): VecResetResult<O> {
    this.runBlocking(OP_RESET, 'reset', this.prepareReset(opts));
    return this.resetOutcome();
  }

  /** step() that blocks this thread until the workers are done (Gymnasium's blocking step); see resetSync. */
  stepSync(actions: ArrayLike<number>): VecStepResult<O> {
    this.prepareStep(actions);
    this.runBlocking(OP_STEP, 'step', null);
    return this.stepOutcome();
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

  private resetOutcome(): VecResetResult<O> {
    this.needsReset = false;
    return resetResult(this.batch.bufs, this.numEnvs, this.batch.infos, this.opts.copy) as VecResetResult<O>;
  }

  private stepOutcome(): VecStepResult<O> {
    return stepResult(this.batch.bufs, this.numEnvs, this.batch.obsLayout, this.batch.infos, this.batch.finalInfos, this.opts.copy) as VecStepResult<O>;
  }

  /** Checks reset options and returns each worker's payload; nothing is sent yet. */
  private prepareReset(opts: VecResetOptions): (h: Handle) => ResetPayload {
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
    return (h) => {
      const p: ResetPayload = { seeds: h.envIndices.map((i) => seeds[i]!) };
      if (opts.options !== undefined) p.options = opts.options;
      return p;
    };
  }

  /** Checks the actions and writes them into shared memory (workers are idle between calls). */
  private prepareStep(actions: ArrayLike<number>): void {
    this.assertUsable('step');
    if (this.needsReset) throw new Error('AsyncVectorEnv: step() needs a successful reset() first');
    writeActions(this.batch.actLayout, this.numEnvs, actions, this.batch.bufs.actions);
  }

  /** Marks a call running and sends its op to every worker. */
  private begin(op: number, payload: ((h: Handle) => ResetPayload) | null): void {
    this.busy = true;
    this.batch.infos.fill(null);
    this.batch.finalInfos.fill(null);
    Atomics.store(this.pending, 0, this.handles.length);
    for (const h of this.handles) {
      if (payload) h.port.postMessage(payload(h));
      signal(h, op);
    }
  }

  /** Reads the infos and errors the workers posted for a finished op; errors make the batch need a reset. */
  private collect(phase: string): VectorEnvError | null {
    const failed: VectorEnvError[] = [];
    for (const h of this.handles) if (Atomics.load(h.ctrl, CTRL_HAS_MSG) === 1) this.receive(h, phase, failed);
    if (failed.length === 0) return null;
    this.needsReset = true;
    return combineErrors(failed);
  }

  /**
   * Sends one op to every worker and waits for all of them; gathers infos, or throws their errors.
   * Fast path: block this thread until the workers are done (no event loop, no allocation); ops
   * that take longer than `blockingWaitMs`, and dead or stuck workers, continue on the event loop.
   */
  private async run(op: number, phase: string, payload: ((h: Handle) => ResetPayload) | null): Promise<void> {
    let failed: VectorEnvError | null;
    try {
      this.begin(op, payload);
      if (waitAllBlocking(this.handles, this.pending, this.opts.blockingWaitMs)) {
        // Settle one microtask later, so the call counts as running until its promise settles, as on the slow path.
        await Promise.resolve();
      } else await this.waitOnEventLoop(phase);
      failed = this.collect(phase);
    } finally {
      this.busy = false;
    }
    if (failed) throw failed;
  }

  /** `run` for the Sync methods: blocks up to `timeoutMs`; a dead or stuck worker throws and closes the vector env. */
  private runBlocking(op: number, phase: string, payload: ((h: Handle) => ResetPayload) | null): void {
    let failed: VectorEnvError | null = null;
    let done: boolean;
    try {
      this.begin(op, payload);
      done = waitAllBlocking(this.handles, this.pending, this.opts.timeoutMs);
      if (done) failed = this.collect(phase);
    } finally {
      this.busy = false;
    }
    if (!done) {
      const err = combineErrors(blockedFailures(this.handles, phase, this.opts.timeoutMs));
      this.fatal = err;
      void this.close(); // ends the threads; `closed` is true from now on
      throw err;
    }
    if (failed) throw failed;
  }

  /** The slow path of `run`: waits with the workers referenced, and closes the vector env if one died or timed out. */
  private async waitOnEventLoop(phase: string): Promise<void> {
    let fatal: VectorEnvError[];
    for (const h of this.handles) h.worker.ref();
    try {
      fatal = await waitAll(this.handles, this.pending, phase, this.opts.timeoutMs);
    } finally {
      for (const h of this.handles) h.worker.unref();
    }
    if (fatal.length === 0) return;
    if (this.closing && this.fatal === null) {
      const cut = unfinished(this.handles);
      throw new VectorEnvError(`AsyncVectorEnv: close() was called during ${phase}() (${describeEnvs(cut)} unfinished)`, cut);
    }
    const err = combineErrors(fatal);
    this.fatal = err;
    await this.close();
    throw err;
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
      this.batch.infos[i] = reply.infos[k] ?? null;
      this.batch.finalInfos[i] = reply.finalInfos?.[k] ?? null;
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

