/**
 * The frame every classic-control env shares, so that each env file holds only its equations and
 * its picture: kwargs checked against the env's own keys plus renderWidth / renderHeight, the
 * reset-before-step guard, and a `state` vector in Gymnasium's order that can be set to replay
 * a trajectory.
 */
import { BaseEnv, type ResetResult } from '../core.js';
import type { EnvKwargs } from '../registry.js';
import { RENDER_KWARGS, applyRenderSize, checkKwargs, checkState } from './common.js';

export abstract class ClassicControlEnv<A> extends BaseEnv<Float32Array, A> {
  /** The constructor's kwargs, already checked for unknown keys; subclasses read their own keys from it. */
  protected readonly kwargs: EnvKwargs;
  private ready = false;

  /**
   * @param envName the env's name in error messages
   * @param stateNames the `state` vector's entries, in order
   * @param ownKwargs kwargs the env takes besides renderWidth / renderHeight
   */
  protected constructor(
    protected readonly envName: string,
    private readonly stateNames: readonly string[],
    kwargs: EnvKwargs | undefined,
    ownKwargs: readonly string[] = [],
  ) {
    super();
    this.kwargs = checkKwargs(envName, kwargs, [...ownKwargs, ...RENDER_KWARGS]);
    applyRenderSize(this, envName, this.kwargs);
  }

  /** The observation of the current state, a fresh array each call (callers keep them). */
  protected abstract observe(): Float32Array;

  /** The state as plain numbers, in `stateNames` order. */
  protected abstract readState(): number[];

  /** Adopts a state vector: one finite number per state name, already checked. */
  protected abstract writeState(values: readonly number[]): void;

  /** Call at the end of `reset`: the env may step from here on. */
  protected started(): ResetResult<Float32Array> {
    this.ready = true;
    return { observation: this.observe(), info: {} };
  }

  /** Call first in `step`. */
  protected requireReset(): void {
    if (!this.ready) throw new Error(`${this.envName}: call reset() before step()`);
  }

  /** Gymnasium's state order; setting it (checked first, nothing changes on bad input) lets a trajectory be replayed. */
  get state(): number[] {
    return this.readState();
  }

  set state(s: ArrayLike<number>) {
    this.writeState(checkState(this.envName, s, this.stateNames));
    this.ready = true;
  }
}
