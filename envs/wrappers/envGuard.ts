import type { Env, ResetOptions, ResetResult, StepResult } from '../core.js';
import { describeValue } from '../spaces/space.js';
import { Wrapper } from './wrapper.js';

function hasContains(space: unknown): boolean {
  return typeof space === 'object' && space !== null && typeof (space as { contains?: unknown }).contains === 'function';
}

/** Box-like by shape of the JSON, not `instanceof`: a user's env may bring its own copy of the spaces. */
function isBoxLike(space: unknown): boolean {
  const toJSON = (space as { toJSON?: () => { type?: unknown } }).toJSON;
  if (typeof toJSON !== 'function') return false;
  try {
    return toJSON.call(space).type === 'Box';
  } catch {
    return false;
  }
}

/**
 * The checks `make()` puts around every env, a user's included (Gymnasium's OrderEnforcing and
 * passive checker, made strict): step before reset, step after the episode ended, an action
 * outside the action space, a non-finite Box action and a malformed reset all throw before the
 * inner env sees anything, so no state changes. Per step it costs one flag test and one
 * `contains` call.
 */
export class EnvGuard<O, A> extends Wrapper<O, A> {
  private needsReset = true;
  private everReset = false;
  private readonly boxAction: boolean;

  constructor(env: Env<O, A>) {
    super(env);
    if (!env || typeof env.reset !== 'function' || typeof env.step !== 'function')
      throw new TypeError('EnvGuard: expected an env with reset() and step()');
    if (!hasContains(env.actionSpace)) throw new TypeError(`EnvGuard: ${this.envName()} has no actionSpace (a Space with contains())`);
    if (!hasContains(env.observationSpace))
      throw new TypeError(`EnvGuard: ${this.envName()} has no observationSpace (a Space with contains())`);
    this.boxAction = isBoxLike(env.actionSpace);
  }

  /** True until the first reset, and again once an episode has ended. */
  get resetNeeded(): boolean {
    return this.needsReset;
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    this.checkResetOptions(opts);
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

  private envName(): string {
    const id = this.env.spec?.id;
    if (id) return id;
    const u = this.env.unwrapped as unknown;
    return (u as { constructor?: { name?: string } } | null)?.constructor?.name || 'env';
  }

  private checkResetOptions(opts: ResetOptions | undefined): void {
    if (opts === undefined || opts === null) return;
    if (typeof opts !== 'object') throw new TypeError(`${this.envName()}: reset() takes an object { seed?, options? }, got ${describeValue(opts)}`);
    const seed = opts.seed as unknown;
    if (seed !== undefined && seed !== null && !(typeof seed === 'number' && Number.isInteger(seed)))
      throw new TypeError(`${this.envName()}: reset({ seed }) needs an integer seed, got ${describeValue(seed)}`);
    const options = opts.options as unknown;
    if (options !== undefined && options !== null && typeof options !== 'object')
      throw new TypeError(`${this.envName()}: reset({ options }) needs an object, got ${describeValue(options)}`);
  }

  private checkAction(action: A): void {
    const space = this.env.actionSpace;
    if (this.boxAction && (ArrayBuffer.isView(action) || Array.isArray(action))) {
      const a = action as unknown as ArrayLike<unknown>;
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (typeof v === 'number' && !Number.isFinite(v))
          throw new RangeError(
            `${this.envName()}: action ${describeValue(action)} has a non-finite value (${v}) at index ${i}; action space is ${String(space)}`,
          );
      }
    }
    if (!space.contains(action)) {
      throw new RangeError(`${this.envName()}: action ${describeValue(action)} is outside the action space ${String(space)}`);
    }
  }
}
