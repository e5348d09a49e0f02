import { receiveMessageOnPort } from 'node:worker_threads';
import type { EnvMetadata, EnvSpec, Info } from '../core.js';
import { registeredIds } from '../registry.js';
import { spaceFromJSON } from '../spaces/json.js';
import type { Space } from '../spaces/space.js';
import { writeActions } from './actions.js';
import { checkAsyncOptions, type AsyncVectorEnvOptions } from './asyncOptions.js';
import { batchLayoutSpace } from './batchSpace.js';
import { allocBuffers, resetResult, stepResult, type BatchBuffers } from './buffers.js';
import { combineErrors, describeEnvs, VectorEnvError } from './errors.js';
import { slotLayout, type SlotLayout } from './layout.js';
import { expandSeeds } from './options.js';
import { CTRL_HAS_MSG, OP_CLOSE, OP_RESET, OP_STEP, type ResetPayload, type WorkerReply, type WorkerSetup } from './protocol.js';
import type { AutoresetMode, BatchArray, VecResetOptions, VecResetResult, VecStepResult, VectorEnv } from './types.js';
import { groups, hello, signal, spawn, unfinished, waitAll, type Handle, type WorkerState } from './workers.js';

export type { AsyncVectorEnvOptions } from './asyncOptions.js';
export type { WorkerState } from './workers.js';

interface Batch {
  observationSpace: Space;
  actionSpace: Space;
  metadata: EnvMetadata;
  spec: EnvSpec | null;
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
    const cfg = checkAsyncOptions(opts);
    const pending = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const handles = groups(cfg.numEnvs, cfg.numWorkers).map((envIndices) => spawn(cfg.script, { ...cfg.worker, envIndices }, pending));
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
      const cut = unfinished(this.handles);
      throw new VectorEnvError(`AsyncVectorEnv: close() was called during ${phase}() (${describeEnvs(cut)} unfinished)`, cut);
    }
    if (fatal.length > 0) {
      const err = combineErrors(fatal);
      this.fatal = err;
      await this.close();
      throw err;
    }
    if (failed.length > 0) {
      this.needsReset = true;
      throw combineErrors(failed);
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

