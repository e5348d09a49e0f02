import type { Env, ResetOptions } from '../core.js';
import { describeValue, type Space } from '../spaces/space.js';
import { EnvCheckError, type CheckName, type CheckOutcome, type EnvCheckReport } from './envCheckError.js';
import { isSpaceLike } from './isSpace.js';
import { cloneValue, typedArrayNameFor, valuesEqual } from './values.js';

export interface CheckEnvOptions {
  /** Leave out the render() check (for envs that do not render). */
  skipRenderCheck?: boolean;
  /** Seed for the resets and the action sampler (default 42). */
  seed?: number;
  /** Steps in each of the two seeded runs (default 100); episodes that end are reset. */
  steps?: number;
}

/** Records outcomes; a check's first failure wins, and a pass never hides a failure. */
class CheckLog {
  readonly outcomes = new Map<CheckName, CheckOutcome>();
  readonly skipped: { check: CheckName; reason: string }[] = [];
  readonly warnings: string[] = [];

  pass(check: CheckName, message: string): void {
    if (!this.outcomes.has(check)) this.outcomes.set(check, { check, passed: true, message });
  }

  fail(check: CheckName, message: string): void {
    const prev = this.outcomes.get(check);
    if (!prev || prev.passed) this.outcomes.set(check, { check, passed: false, message });
  }

  skip(reason: string, ...checks: CheckName[]): void {
    for (const check of checks) if (!this.outcomes.has(check)) this.skipped.push({ check, reason });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function isPlainRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function tag(x: unknown): string {
  return Object.prototype.toString.call(x).slice(8, -1);
}

function envName(env: Env): string {
  const id = env.spec?.id;
  if (id) return id;
  return (env as { constructor?: { name?: string } }).constructor?.name || 'env';
}

function checkSpace(log: CheckLog, check: CheckName, space: unknown, what: string): space is Space {
  if (!isSpaceLike(space)) {
    log.fail(check, `${what} is ${describeValue(space)}, not a Space (it needs contains(), sample(), seed(), toJSON() and shape)`);
    return false;
  }
  try {
    const x = space.sample();
    if (!space.contains(x)) {
      log.fail(check, `${what} ${String(space)} does not contain its own sample ${describeValue(x)}`);
      return false;
    }
  } catch (err) {
    log.fail(check, `${what}.sample() threw (${errorText(err)})`);
    return false;
  }
  log.pass(check, `${what} is a Space: ${String(space)}`);
  return true;
}

/** Why `value` is not a valid observation of `space` (membership, then the typed-array kind), or null. */
function observationProblem(space: Space, value: unknown): string | null {
  if (!space.contains(value)) return `${describeValue(value)} is not inside the observation space ${String(space)}`;
  return dtypeProblem(space, value);
}

function dtypeProblem(space: Space, value: unknown): string | null {
  const parts = (space as { spaces?: unknown }).spaces;
  if (Array.isArray(parts)) {
    for (let i = 0; i < parts.length; i++) {
      const p = dtypeProblem(parts[i] as Space, (value as unknown[])[i]);
      if (p) return `element ${i}: ${p}`;
    }
    return null;
  }
  if (isPlainRecord(parts)) {
    for (const [k, s] of Object.entries(parts)) {
      const p = dtypeProblem(s as Space, (value as Record<string, unknown>)[k]);
      if (p) return `key '${k}': ${p}`;
    }
    return null;
  }
  if (space.shape.length === 0) return null; // Discrete: contains() already demands an integer number
  const want = typedArrayNameFor(space.dtype);
  if (want && tag(value) !== want) return `the observation is a ${tag(value)}, but the space's dtype ${String(space.dtype)} calls for a ${want}`;
  return null;
}

function resetProblem(r: unknown): string | null {
  if (Array.isArray(r)) return 'reset() returned an array; it must return an object { observation, info }';
  if (!isPlainRecord(r)) return `reset() returned ${describeValue(r)}; it must return an object { observation, info }`;
  if (!('observation' in r)) return 'reset() returned an object without an observation';
  if (!isPlainRecord(r.info)) return `reset() returned info ${describeValue(r.info)}; info must be an object`;
  return null;
}

function stepProblem(r: unknown): string | null {
  if (!isPlainRecord(r)) return `step() returned ${describeValue(r)}; it must return { observation, reward, terminated, truncated, info }`;
  const missing = ['observation', 'reward', 'terminated', 'truncated', 'info'].filter((k) => !(k in r));
  if (missing.length) return `step() returned an object without ${missing.join(', ')}`;
  if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) return `step() returned reward ${describeValue(r.reward)}; it must be a finite number`;
  if (typeof r.terminated !== 'boolean') return `step() returned terminated ${describeValue(r.terminated)}; it must be a boolean`;
  if (typeof r.truncated !== 'boolean') return `step() returned truncated ${describeValue(r.truncated)}; it must be a boolean`;
  if (!isPlainRecord(r.info)) return `step() returned info ${describeValue(r.info)}; info must be an object`;
  return null;
}

interface StepRecord {
  observation: unknown;
  reward: unknown;
  terminated: unknown;
  truncated: unknown;
}

interface Run {
  records: StepRecord[];
  /** The observations as returned (to see later mutation), with their copies at the time. */
  returned: { label: string; value: unknown; copy: unknown }[];
  actions: unknown[];
  completed: boolean;
}

/** One seeded run: reset(seed), then `steps` steps of the given or sampled actions, resetting (unseeded) when an episode ends. */
function runTrajectory(env: Env, seed: number, steps: number, log: CheckLog | null, actions: unknown[] | null): Run {
  const run: Run = { records: [], returned: [], actions: [], completed: false };
  const obsSpace = env.observationSpace;
  const note = (label: string, value: unknown) => run.returned.push({ label, value, copy: cloneValue(value) });
  let reset = env.reset({ seed });
  let resetProblemText = resetProblem(reset);
  if (resetProblemText) {
    log?.fail('reset-result', resetProblemText);
    return run;
  }
  note('reset', reset.observation);
  run.records.push({ observation: cloneValue(reset.observation), reward: null, terminated: null, truncated: null });
  if (!actions) env.actionSpace.seed(seed);
  for (let t = 0; t < steps; t++) {
    if (actions && t >= actions.length) break;
    const action = actions ? actions[t] : env.actionSpace.sample();
    run.actions.push(cloneValue(action));
    let r: ReturnType<Env['step']>;
    try {
      r = env.step(action);
    } catch (err) {
      log?.fail('step-result', `step(${describeValue(action)}) threw at step ${t} (${errorText(err)})`);
      return run;
    }
    const problem = stepProblem(r);
    if (problem) {
      log?.fail('step-result', `at step ${t}, ${problem}`);
      return run;
    }
    const obsProblem = observationProblem(obsSpace, r.observation);
    if (obsProblem) log?.fail('step-observation', `at step ${t}, ${obsProblem}`);
    note(`step ${t}`, r.observation);
    run.records.push({ observation: cloneValue(r.observation), reward: r.reward, terminated: r.terminated, truncated: r.truncated });
    if (r.terminated || r.truncated) {
      reset = env.reset();
      resetProblemText = resetProblem(reset);
      if (resetProblemText) {
        log?.fail('reset-result', `after an episode ended, ${resetProblemText}`);
        return run;
      }
      const p = observationProblem(obsSpace, reset.observation);
      if (p) log?.fail('reset-observation', `after an episode ended, reset() gave an observation where ${p}`);
      note(`reset after step ${t}`, reset.observation);
      run.records.push({ observation: cloneValue(reset.observation), reward: null, terminated: null, truncated: null });
    }
  }
  run.completed = true;
  return run;
}

function firstDifference(a: StepRecord[], b: StepRecord[]): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y) return `one run has ${a.length} records, the other ${b.length}`;
    for (const k of ['observation', 'reward', 'terminated', 'truncated'] as const) {
      if (!valuesEqual(x[k], y[k])) return `record ${i} differs in ${k}: ${describeValue(x[k])} vs ${describeValue(y[k])}`;
    }
  }
  return null;
}

function checkReset(env: Env, log: CheckLog, seed: number, obsSpaceOk: boolean): boolean {
  let r: unknown;
  try {
    r = env.reset({ seed });
  } catch (err) {
    log.fail('reset-result', `reset({ seed: ${seed} }) threw (${errorText(err)})`);
    return false;
  }
  const problem = resetProblem(r);
  if (problem) {
    log.fail('reset-result', problem);
    return false;
  }
  log.pass('reset-result', 'reset() returns { observation, info } with info an object');
  if (obsSpaceOk) {
    const obs = (r as { observation: unknown }).observation;
    const p = observationProblem(env.observationSpace, obs);
    if (p) log.fail('reset-observation', `reset({ seed: ${seed} }) gave an observation where ${p}`);
    else log.pass('reset-observation', 'reset observations lie inside the observation space, with its dtype');
  } else log.skip('the observation space is invalid', 'reset-observation');
  return true;
}

function checkResetDeterminism(env: Env, log: CheckLog, seed: number): void {
  try {
    const a = cloneValue(env.reset({ seed }).observation);
    const b = env.reset({ seed }).observation;
    if (!valuesEqual(a, b))
      log.fail('reset-determinism', `reset({ seed: ${seed} }) twice gave different observations: ${describeValue(a)} vs ${describeValue(b)}`);
    else log.pass('reset-determinism', 'the same seed gives the same first observation');
    const opts: ResetOptions = { seed };
    env.reset(opts);
    const c = cloneValue(env.reset().observation);
    env.reset(opts);
    const d = env.reset().observation;
    if (!valuesEqual(c, d))
      log.fail(
        'unseeded-reset',
        `reset() without a seed after reset({ seed: ${seed} }) gave different observations on two tries (${describeValue(c)} vs ${describeValue(d)}); an unseeded reset must continue the seeded random stream, not reseed`,
      );
    else log.pass('unseeded-reset', 'an unseeded reset continues the seeded random stream');
  } catch (err) {
    log.fail('reset-determinism', `resetting with a seed threw (${errorText(err)})`);
  }
}

function checkSteps(env: Env, log: CheckLog, seed: number, steps: number, deterministic: boolean): number {
  let run1: Run;
  try {
    run1 = runTrajectory(env, seed, steps, log, null);
  } catch (err) {
    log.fail('step-result', `a seeded run threw (${errorText(err)})`);
    return 0;
  }
  const taken = run1.actions.length;
  if (!run1.completed) {
    log.skip('the seeded run did not complete', 'step-observation', 'observation-aliasing', 'trajectory-determinism');
    return taken;
  }
  log.pass('step-result', 'step() returns { observation, reward, terminated, truncated, info } with the right types');
  log.pass('step-observation', 'step observations lie inside the observation space, with its dtype');
  const changed = run1.returned.find((o) => !valuesEqual(o.value, o.copy));
  if (changed)
    log.fail(
      'observation-aliasing',
      `the observation returned at ${changed.label} was changed by later calls (now ${describeValue(changed.value)}, was ${describeValue(changed.copy)}); return a fresh array each step, not a reused buffer`,
    );
  else log.pass('observation-aliasing', 'later steps leave earlier observations unchanged');
  if (!deterministic) {
    log.skip('the env is marked nondeterministic', 'trajectory-determinism');
    return taken;
  }
  try {
    const run2 = runTrajectory(env, seed, steps, null, run1.actions);
    const diff = firstDifference(run1.records, run2.records);
    if (diff) log.fail('trajectory-determinism', `two runs with seed ${seed} and the same ${taken} actions differ: ${diff}`);
    else log.pass('trajectory-determinism', `two runs with seed ${seed} and the same actions give the same trajectory`);
  } catch (err) {
    log.fail('trajectory-determinism', `the second seeded run threw (${errorText(err)})`);
  }
  return taken;
}

function checkRender(env: Env, log: CheckLog, seed: number): void {
  let frame: unknown;
  try {
    env.reset({ seed });
    frame = env.render();
  } catch (err) {
    log.fail('render', `render() threw (${errorText(err)})`);
    return;
  }
  if (frame === null || frame === undefined) {
    log.warnings.push('render() returned null: the env does not render');
    log.skip('render() returned null', 'render');
    return;
  }
  if (!isPlainRecord(frame)) {
    log.fail('render', `render() returned ${describeValue(frame)}; it must return { width, height, data } or null`);
    return;
  }
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || (width as number) <= 0 || (height as number) <= 0)
    log.fail('render', `render() returned a frame of ${describeValue(width)}×${describeValue(height)}; width and height must be positive integers`);
  else if (tag(data) !== 'Uint8Array') log.fail('render', `render() returned data of type ${tag(data)}; it must be a Uint8Array of RGB bytes`);
  else if ((data as Uint8Array).length !== (width as number) * (height as number) * 3)
    log.fail('render', `render() returned ${(data as Uint8Array).length} bytes for ${width}×${height}; an RGB frame needs width × height × 3 = ${(width as number) * (height as number) * 3}`);
  else log.pass('render', `render() returns a ${width}×${height} RGB frame`);
}

/**
 * Gymnasium's env checker, strict: checks the spaces, reset and step results and their types,
 * that observations lie in the observation space (with its dtype), seeded determinism of reset and
 * of whole trajectories, that observations are not reused buffers, and render(). Throws an
 * `EnvCheckError` listing every failed check; returns the report when all pass. The env is reset
 * and stepped (and its action space seeded) along the way.
 */
export function checkEnv(env: Env<unknown, unknown>, options: CheckEnvOptions = {}): EnvCheckReport {
  if (typeof env !== 'object' || env === null) throw new TypeError(`checkEnv: expected an env, got ${describeValue(env)}`);
  const seed = options.seed ?? 42;
  const steps = options.steps ?? 100;
  if (!Number.isInteger(seed)) throw new TypeError(`checkEnv: seed must be an integer, got ${seed}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`checkEnv: steps must be a positive integer, got ${steps}`);
  const log = new CheckLog();
  const obsOk = checkSpace(log, 'observation-space', env.observationSpace, 'observationSpace');
  const actOk = checkSpace(log, 'action-space', env.actionSpace, 'actionSpace');
  const fps = (env.metadata as { renderFps?: unknown } | undefined)?.renderFps;
  if (!isPlainRecord(env.metadata)) log.fail('metadata', `metadata is ${describeValue(env.metadata)}; it must be an object with renderFps`);
  else if (typeof fps !== 'number' || !(fps > 0) || !Number.isFinite(fps))
    log.fail('metadata', `metadata.renderFps is ${describeValue(fps)}; it must be a positive number`);
  else log.pass('metadata', `metadata.renderFps is ${fps}`);

  const deterministic = env.spec?.nondeterministic !== true;
  let steps1 = 0;
  const canReset = typeof env.reset === 'function' && checkReset(env, log, seed, obsOk);
  if (typeof env.reset !== 'function') log.fail('reset-result', 'the env has no reset() method');
  if (!canReset) {
    log.skip('reset() failed', 'reset-determinism', 'unseeded-reset', 'step-result', 'step-observation', 'observation-aliasing', 'trajectory-determinism', 'render');
  } else {
    if (deterministic) checkResetDeterminism(env, log, seed);
    else log.skip('the env is marked nondeterministic', 'reset-determinism', 'unseeded-reset');
    if (!obsOk || !actOk || typeof env.step !== 'function') {
      if (typeof env.step !== 'function') log.fail('step-result', 'the env has no step() method');
      log.skip('a space is invalid', 'step-result', 'step-observation', 'observation-aliasing', 'trajectory-determinism');
    } else {
      steps1 = checkSteps(env, log, seed, steps, deterministic);
    }
    if (options.skipRenderCheck) log.skip('skipRenderCheck was set', 'render');
    else if (typeof env.render !== 'function') log.fail('render', 'the env has no render() method');
    else checkRender(env, log, seed);
  }

  const report: EnvCheckReport = { env: envName(env), checks: [...log.outcomes.values()], skipped: log.skipped, warnings: log.warnings, steps: steps1 };
  if (report.checks.some((c) => !c.passed)) throw new EnvCheckError(report);
  return report;
}
