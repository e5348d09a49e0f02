import type { Env, EnvMetadata, EnvSpec } from '../core.js';
import type { Space } from '../spaces/space.js';
import { writeActions } from './actions.js';
import { setupBatch, type BatchSetup } from './batch.js';
import { resetResult, stepResult } from './buffers.js';
import { VectorEnvError } from './errors.js';
import { checkNumEnvs, checkSeed, expandSeeds, resolveMode, type VectorEnvOptions } from './options.js';
import { SubEnvRunner } from './runner.js';
import type { AutoresetMode, BatchArray, VecResetOptions, VecResetResult, VecStepResult, VectorEnv } from './types.js';

export type SyncVectorEnvOptions = VectorEnvOptions;

/**
 * Steps its sub-envs one after another in this thread (Gymnasium's `SyncVectorEnv`). Built from
 * env factories, called once each. Results are returned directly, not as promises.
 */
export class SyncVectorEnv<O extends BatchArray = BatchArray> implements VectorEnv<O> {
  readonly numEnvs: number;
  readonly autoresetMode: AutoresetMode;
  readonly envs: readonly Env[];
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly metadata: EnvMetadata;
  readonly spec: EnvSpec | null;
  private readonly batch: BatchSetup;
  private readonly runners: SubEnvRunner[];
  private readonly copy: boolean;
  private pendingSeed: number | undefined;
  private needsReset = true;
  private isClosed = false;

  constructor(envFns: ReadonlyArray<() => Env>, opts: SyncVectorEnvOptions = {}) {
    if (!Array.isArray(envFns)) throw new TypeError('SyncVectorEnv: expected an array of env factories');
    checkNumEnvs(envFns.length);
    envFns.forEach((f, i) => {
      if (typeof f !== 'function') throw new TypeError(`SyncVectorEnv: env factory ${i} is not a function`);
    });
    this.autoresetMode = resolveMode(opts.autoresetMode);
    checkSeed(opts.seed, 'SyncVectorEnv: seed');
    this.numEnvs = envFns.length;
    this.copy = opts.copy ?? true;
    this.pendingSeed = opts.seed;
    const envs: Env[] = [];
    let batch: BatchSetup;
    try {
      envFns.forEach((f, i) => envs.push(checkedEnv(f(), i)));
      sameSpaces(envs);
      batch = setupBatch(envs[0]!, this.numEnvs, this.autoresetMode, false, opts.seed);
    } catch (err) {
      for (const e of envs) e.close();
      throw err;
    }
    this.envs = envs;
    const first = envs[0]!;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.batch = batch;
    this.observationSpace = batch.observationSpace;
    this.actionSpace = batch.actionSpace;
    this.metadata = first.metadata;
    this.spec = first.spec ?? null;
    this.runners = envs.map((e, i) => new SubEnvRunner(e, i, batch.bufs, batch.obsLayout, batch.actLayout, this.autoresetMode));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  reset(opts: VecResetOptions = {}): VecResetResult<O> {
    this.assertOpen('reset');
    const seeds = expandSeeds(opts.seed === undefined && this.pendingSeed !== undefined ? { ...opts, seed: this.pendingSeed } : opts, this.numEnvs);
    this.pendingSeed = undefined;
    this.needsReset = true;
    for (let i = 0; i < this.numEnvs; i++) {
      try {
        this.runners[i]!.reset(seeds[i], opts.options);
      } catch (err) {
        throw subEnvError(i, 'reset', err);
      }
      this.batch.infos[i] = this.runners[i]!.info;
    }
    this.needsReset = false;
    return resetResult(this.batch.bufs, this.numEnvs, this.batch.infos, this.copy) as VecResetResult<O>;
  }

  step(actions: ArrayLike<number>): VecStepResult<O> {
    this.assertOpen('step');
    if (this.needsReset) throw new Error('SyncVectorEnv: step() needs a successful reset() first');
    writeActions(this.batch.actLayout, this.numEnvs, actions, this.batch.bufs.actions);
    for (let i = 0; i < this.numEnvs; i++) {
      const r = this.runners[i]!;
      try {
        r.step();
      } catch (err) {
        // Some envs stepped and one failed: the batch is inconsistent until the next reset.
        this.needsReset = true;
        throw subEnvError(i, 'step', err);
      }
      this.batch.infos[i] = r.info;
      this.batch.finalInfos[i] = r.finalInfo;
    }
    return stepResult(this.batch.bufs, this.numEnvs, this.batch.obsLayout, this.batch.infos, this.batch.finalInfos, this.copy) as VecStepResult<O>;
  }

  /** Closes every sub-env; later calls do nothing. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    let first: unknown = null;
    for (const e of this.envs) {
      try {
        e.close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== null) throw first;
  }

  private assertOpen(what: string): void {
    if (this.isClosed) throw new Error(`SyncVectorEnv: ${what}() after close()`);
  }
}

function checkedEnv(env: unknown, i: number): Env {
  const e = env as Env | null;
  if (!e || typeof e.reset !== 'function' || typeof e.step !== 'function' || !e.observationSpace || !e.actionSpace)
    throw new TypeError(`SyncVectorEnv: env factory ${i} did not return an env`);
  return e;
}

function sameSpaces(envs: readonly Env[]): void {
  const json = (s: Space) => JSON.stringify(s.toJSON());
  const obs0 = json(envs[0]!.observationSpace);
  const act0 = json(envs[0]!.actionSpace);
  envs.forEach((e, i) => {
    if (json(e.observationSpace) !== obs0)
      throw new TypeError(`SyncVectorEnv: env ${i} has observation space ${String(e.observationSpace)}, env 0 has ${String(envs[0]!.observationSpace)}`);
    if (json(e.actionSpace) !== act0)
      throw new TypeError(`SyncVectorEnv: env ${i} has action space ${String(e.actionSpace)}, env 0 has ${String(envs[0]!.actionSpace)}`);
  });
}

export function subEnvError(i: number, phase: string, err: unknown): VectorEnvError {
  const msg = err instanceof Error ? err.message : String(err);
  return new VectorEnvError(`env ${i} failed in ${phase}(): ${msg}`, [i], { cause: err });
}
