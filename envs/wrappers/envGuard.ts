import type { Env, ResetOptions, ResetResult, StepResult } from '../core.js';
import { Box } from '../spaces/box.js';
import { describeValue } from '../spaces/space.js';
import { Wrapper } from './wrapper.js';

/**
 * The checks `make()` puts around every env, a user's included (Gymnasium's OrderEnforcing and
 * passive checker, made strict): step before reset, step after the episode ended, and an action
 * outside the action space all throw before the inner env sees anything, so no state changes.
 */
export class EnvGuard<O, A> extends Wrapper<O, A> {
  private needsReset = true;
  private readonly boxAction: boolean;

  constructor(env: Env<O, A>) {
    super(env);
    this.boxAction = env.actionSpace instanceof Box;
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(opts);
    this.needsReset = false;
    this.everReset = true;
    return r;
  }

  override step(action: A): StepResult<O> {
    if (this.needsReset) {
      throw new Error(
        `${this.envName()}: step() called ${this.everReset ? 'after the episode ended (terminated or truncated)' : 'before reset()'}; call reset() first`,
      );
    }
    this.checkAction(action);
    const r = this.env.step(action);
    if (r.terminated || r.truncated) this.needsReset = true;
    return r;
  }

  private everReset = false;

  private envName(): string {
    return this.env.spec?.id ?? this.env.unwrapped.constructor.name;
  }

  private checkAction(action: A): void {
    const space = this.env.actionSpace;
    if (this.boxAction && (ArrayBuffer.isView(action) || Array.isArray(action))) {
      const a = action as unknown as ArrayLike<unknown>;
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (typeof v === 'number' && !Number.isFinite(v))
          throw new RangeError(`${this.envName()}: action ${describeValue(action)} has a non-finite value (${v}) at index ${i}; action space is ${String(space)}`);
      }
    }
    if (!space.contains(action)) {
      throw new RangeError(`${this.envName()}: action ${describeValue(action)} is outside the action space ${String(space)}`);
    }
  }
}
