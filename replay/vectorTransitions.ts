import type { AutoresetMode, VecStepResult } from '../envs/vector/types.js';
import type { TransitionBatch } from './types.js';

type ObsBuffer = Uint8Array | Float64Array;

/**
 * Turns a vector env's steps into `TransitionBatch`es for `ReplayBuffer.addBatch`, in either
 * autoreset mode (envs/vector):
 * - 'same-step': a finished env's returned observation already starts its next episode; its
 *   transition's next observation is the episode's last one, `infos.finalObservation[e]`.
 * - 'next-step': the step after an episode ends only resets that env; it is no transition, so the
 *   env is masked out of that batch.
 * Observations are copied (the vector env may reuse its arrays, `copy: false`) into three
 * preallocated buffers used in turn, with per-env row views made once.
 */
export class VectorTransitions {
  readonly numEnvs: number;
  readonly observationSize: number;
  readonly autoresetMode: AutoresetMode;
  private buffers: ObsBuffer[] | null = null;
  private rows: ObsBuffer[][] = [];
  /** Which of the three buffers holds the observations the next actions are chosen from. */
  private current = 0;
  private started = false;
  private readonly resetPending: Uint8Array;
  private readonly mask: Uint8Array;

  constructor(opts: { numEnvs: number; observationSize: number; autoresetMode: AutoresetMode }) {
    if (!Number.isInteger(opts.numEnvs) || opts.numEnvs < 1) throw new RangeError(`VectorTransitions: numEnvs must be a positive integer, got ${opts.numEnvs}`);
    if (!Number.isInteger(opts.observationSize) || opts.observationSize < 1) throw new RangeError(`VectorTransitions: bad observationSize ${opts.observationSize}`);
    if (opts.autoresetMode !== 'same-step' && opts.autoresetMode !== 'next-step') throw new RangeError(`VectorTransitions: unknown autoreset mode ${String(opts.autoresetMode)}`);
    this.numEnvs = opts.numEnvs;
    this.observationSize = opts.observationSize;
    this.autoresetMode = opts.autoresetMode;
    this.resetPending = new Uint8Array(opts.numEnvs);
    this.mask = new Uint8Array(opts.numEnvs);
  }

  /** After the vector env's reset: remembers its observations. */
  reset(observations: ArrayLike<number>): void {
    this.checkObservations(observations, 'reset');
    this.allocate(observations);
    this.buffers![this.current]!.set(observations);
    this.resetPending.fill(0);
    this.started = true;
  }

  /**
   * After a step taken with `actions`: the transitions it made, then remembers the new
   * observations. The batch's arrays are reused: add it before the next call.
   */
  transitions(actions: ArrayLike<number>, result: VecStepResult): TransitionBatch {
    if (!this.started) throw new Error('VectorTransitions: call reset(observations) after the vector env\'s reset');
    this.checkObservations(result.observations, 'step');
    const n = this.numEnvs;
    const size = this.observationSize;
    const prev = this.current;
    const next = (prev + 1) % 3;
    const raw = (prev + 2) % 3;
    const buffers = this.buffers!;
    buffers[raw]!.set(result.observations);
    buffers[next]!.set(result.observations);
    for (let e = 0; e < n; e++) {
      const done = result.terminations[e] === 1 || result.truncations[e] === 1;
      if (this.autoresetMode === 'same-step') {
        this.mask[e] = 1;
        if (done) {
          const final = result.infos.finalObservation?.[e];
          if (final === undefined || final === null) throw new Error(`VectorTransitions: env ${e} finished but infos.finalObservation[${e}] is missing`);
          if (typeof final === 'number') buffers[next]![e * size] = final;
          else {
            if (final.length !== size) throw new RangeError(`VectorTransitions: finalObservation[${e}] has ${final.length} values, expected ${size}`);
            buffers[next]!.set(final, e * size);
          }
        }
      } else {
        // next-step: the step after a finished one is the env's reset, not a transition.
        this.mask[e] = this.resetPending[e] === 1 ? 0 : 1;
        this.resetPending[e] = this.mask[e] === 1 && done ? 1 : 0;
      }
    }
    this.current = raw;
    return {
      observations: this.rows[prev]!,
      nextObservations: this.rows[next]!,
      actions,
      rewards: result.rewards,
      terminated: result.terminations,
      truncated: result.truncations,
      mask: this.mask,
    };
  }

  private allocate(observations: ArrayLike<number>): void {
    if (this.buffers !== null) return;
    const len = this.numEnvs * this.observationSize;
    // uint8 pixels stay uint8 (so whole-frame rows take the buffers' fast paths); anything else is exact in float64.
    const make = (): ObsBuffer => (observations instanceof Uint8Array ? new Uint8Array(len) : new Float64Array(len));
    this.buffers = [make(), make(), make()];
    this.rows = this.buffers.map((b) => Array.from({ length: this.numEnvs }, (_, e) => b.subarray(e * this.observationSize, (e + 1) * this.observationSize)));
  }

  private checkObservations(observations: ArrayLike<number>, what: string): void {
    const len = this.numEnvs * this.observationSize;
    if (observations === null || typeof observations !== 'object' || observations.length !== len) {
      throw new RangeError(`VectorTransitions.${what}: expected ${len} observation values (${this.numEnvs} envs × ${this.observationSize}), got ${String(observations?.length)}`);
    }
  }
}
