import type { Env, Info, ResetOptions } from '../core.js';
import { describeValue } from '../spaces/space.js';
import type { BatchBuffers } from './buffers.js';
import type { SlotLayout } from './layout.js';
import type { AutoresetMode, BatchArray } from './types.js';

const EMPTY: Info = Object.freeze({}) as Info;

/**
 * Drives sub-env `index` of a batch: reads its action from the shared buffers, writes its
 * observation / reward / flags back, and applies the autoreset mode. SyncVectorEnv runs one per
 * env in the main thread; AsyncVectorEnv runs them inside the workers, on shared memory.
 */
export class SubEnvRunner {
  /** The info of the last reset or step. */
  info: Info = EMPTY;
  /** The raw info of an episode that ended in the last step ('same-step' mode), else null. */
  finalInfo: Info | null = null;
  private pendingReset = false;
  private readonly offset: number;
  /** A fixed view of this env's slice of the action buffer (Box actions), made once. */
  private readonly actionView: BatchArray | null;

  constructor(
    readonly env: Env,
    readonly index: number,
    private readonly bufs: BatchBuffers,
    private readonly obs: SlotLayout,
    private readonly act: SlotLayout,
    private readonly mode: AutoresetMode,
  ) {
    this.offset = index * obs.size;
    this.actionView = act.kind === 'box' ? bufs.actions.subarray(index * act.size, (index + 1) * act.size) : null;
  }

  reset(seed?: number | null, options?: Record<string, unknown>): void {
    const opts: ResetOptions = {};
    if (seed !== undefined && seed !== null) opts.seed = seed;
    if (options !== undefined) opts.options = options;
    const r = this.env.reset(opts);
    this.writeObservation(r.observation, this.bufs.observations);
    this.info = r.info ?? EMPTY;
    this.finalInfo = null;
    this.pendingReset = false;
    this.clearStep();
  }

  step(): void {
    const b = this.bufs;
    const i = this.index;
    this.finalInfo = null;
    if (this.pendingReset) {
      // 'next-step': this step only resets; the action is ignored.
      const r = this.env.reset();
      this.writeObservation(r.observation, b.observations);
      this.info = r.info ?? EMPTY;
      this.pendingReset = false;
      this.clearStep();
      return;
    }
    const action = this.actionView ?? b.actions[i]!;
    const r = this.env.step(action);
    if (typeof r.reward !== 'number') throw new TypeError(`step() returned a reward that is not a number: ${describeValue(r.reward)}`);
    this.writeObservation(r.observation, b.observations);
    b.rewards[i] = r.reward;
    const done = r.terminated || r.truncated;
    b.terminations[i] = r.terminated ? 1 : 0;
    b.truncations[i] = r.truncated ? 1 : 0;
    this.info = r.info ?? EMPTY;
    if (!done) return;
    if (this.mode === 'next-step') {
      this.pendingReset = true;
      return;
    }
    this.writeObservation(r.observation, b.finalObservations!);
    this.finalInfo = this.info;
    const rr = this.env.reset();
    this.writeObservation(rr.observation, b.observations);
    this.info = rr.info ?? EMPTY;
  }

  private clearStep(): void {
    this.bufs.rewards[this.index] = 0;
    this.bufs.terminations[this.index] = 0;
    this.bufs.truncations[this.index] = 0;
  }

  private writeObservation(o: unknown, into: BatchArray): void {
    if (this.obs.kind === 'discrete') {
      if (typeof o !== 'number' || !Number.isInteger(o))
        throw new TypeError(`observation ${describeValue(o)} is not an integer; the observation space is ${String(this.obs.space)}`);
      into[this.index] = o;
      return;
    }
    const a = o as ArrayLike<number> | null;
    if (a === null || typeof a !== 'object' || a.length !== this.obs.size)
      throw new TypeError(`observation ${describeValue(o)} does not have the ${this.obs.size} values of ${String(this.obs.space)}`);
    into.set(a, this.offset);
  }
}
