import { EMPTY, Observable, concatMap, defer, finalize, of, repeat, share } from 'rxjs';
import type { Env } from '../core.js';
import { nextMacrotask$ } from './macrotask.js';
import { toActFunction } from './policy.js';
import { RolloutRun, type RunSettings } from './rolloutRun.js';
import type { Policy, RolloutOptions, RolloutStep } from './types.js';

// Envs with a rollout running: two independent runs on one env would interleave their steps.
const busy = new WeakSet<object>();

function countOption(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (v !== Infinity && (!Number.isInteger(v) || v <= 0)) throw new RangeError(`rollout$: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function settingsOf(options: RolloutOptions): RunSettings {
  if (typeof options !== 'object' || options === null) throw new TypeError('rollout$: options must be an object');
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new TypeError(`rollout$: seed must be an integer, got ${String(options.seed)}`);
  const yieldEveryMs = options.yieldEveryMs ?? 10;
  if (!(yieldEveryMs >= 0)) throw new RangeError(`rollout$: yieldEveryMs must be a non-negative number, got ${String(options.yieldEveryMs)}`);
  return {
    seed: options.seed,
    maxSteps: countOption('maxSteps', options.maxSteps, Infinity),
    maxEpisodes: countOption('maxEpisodes', options.maxEpisodes, Infinity),
    render: options.render ?? false,
    explore: options.explore ?? true,
    yieldEverySteps: countOption('yieldEverySteps', options.yieldEverySteps, 1000),
    yieldEveryMs,
  };
}

/**
 * A cold Observable of the steps of `policy` acting in `env`. Each subscription is its own run:
 * it starts on the next macrotask, resets the env (with `seed` the first time only), and steps in
 * bursts, yielding to the event loop between bursts so servers in the same process stay
 * responsive. It completes after `maxSteps` steps or `maxEpisodes` episodes (if given);
 * unsubscribing stops it before the next env.step. Errors of the env or the policy end it with
 * that error.
 *
 * One env runs one rollout at a time; to give one run several subscribers, `share()` it (see
 * `sharedRollout$`): everyone who subscribes before it starts sees every step.
 */
export function rollout$<O, A>(env: Env<O, A>, policy: Policy<O, A>, options: RolloutOptions = {}): Observable<RolloutStep<O, A>> {
  if (!env || typeof env.reset !== 'function' || typeof env.step !== 'function') throw new TypeError('rollout$: expected an env with reset() and step()');
  const act = toActFunction(policy);
  const settings = settingsOf(options);
  return defer(() => {
    // Keyed by the innermost env, so two differently wrapped views of one env count as one.
    const key: object = env.unwrapped ?? env;
    if (busy.has(key)) throw new Error('rollout$: this env is already running a rollout; share() one rollout$ (sharedRollout$) instead of subscribing twice');
    busy.add(key);
    const run = new RolloutRun(env, act, settings);
    return nextMacrotask$().pipe(
      concatMap(() => run.burst()),
      repeat({ delay: () => (run.finished ? EMPTY : of(0)) }),
      finalize(() => busy.delete(key)),
    );
  });
}

/** `rollout$(…).pipe(share())`: one run for all subscribers; it stops when the last one leaves. */
export function sharedRollout$<O, A>(env: Env<O, A>, policy: Policy<O, A>, options: RolloutOptions = {}): Observable<RolloutStep<O, A>> {
  return rollout$(env, policy, options).pipe(share());
}
