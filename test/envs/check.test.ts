import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvCheckError, checkEnv, make, register, registeredIds, unregister, type CheckName, type Env } from '../../envs/index.js';
import { CheckableEnv, type Bug } from '../fixtures/brokenEnvs.js';
import { CounterEnv, PointEnv } from '../fixtures/envs.js';

const walkFile = fileURLToPath(new URL('../fixtures/userWalkEnv.js', import.meta.url));
const allChecks: CheckName[] = [
  'observation-space',
  'action-space',
  'metadata',
  'reset-result',
  'reset-observation',
  'reset-determinism',
  'unseeded-reset',
  'step-result',
  'step-observation',
  'trajectory-determinism',
  'observation-aliasing',
  'render',
];

function failuresOf(env: Env, opts = {}): { names: CheckName[]; error: EnvCheckError } {
  try {
    checkEnv(env, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvCheckError);
    const error = err as EnvCheckError;
    return { names: error.failures.map((f) => f.check), error };
  }
  throw new Error('checkEnv passed a broken env');
}

afterEach(() => {
  unregister('Check/Walk-v0');
  unregister('Check/Noisy-v0');
});

describe('checkEnv', () => {
  it('passes a good env and reports every check', () => {
    const report = checkEnv(new CheckableEnv('none'));
    expect(report.checks.map((c) => c.check).sort()).toEqual([...allChecks].sort());
    expect(report.checks.every((c) => c.passed)).toBe(true);
    expect(report.skipped).toEqual([]);
    expect(report.steps).toBe(100);
    expect(report.env).toBe('CheckableEnv');
  });

  // Each broken variant fails its own check; where one bug necessarily breaks a second check, that is listed.
  const expected: [Bug, CheckName[], RegExp][] = [
    ['observation-space', ['observation-space'], /observationSpace is .*not a Space/],
    ['action-space', ['action-space'], /actionSpace is "Discrete\(3\)", not a Space/],
    ['metadata', ['metadata'], /metadata\.renderFps is undefined; it must be a positive number/],
    ['reset-result', ['reset-result'], /reset\(\) returned an array; it must return an object \{ observation, info \}/],
    ['reset-observation', ['reset-observation'], /Float32Array\(3\) \[1000, .*is not inside the observation space Box/],
    ['reset-determinism', ['reset-determinism', 'unseeded-reset', 'trajectory-determinism'], /reset\(\{ seed: 42 \}\) twice gave different observations/],
    ['unseeded-reset', ['unseeded-reset'], /an unseeded reset must continue the seeded random stream/],
    ['step-result', ['step-result'], /at step 4, step\(\) returned reward NaN; it must be a finite number/],
    ['step-observation', ['step-observation'], /the observation is a Float64Array, but the space's dtype float32 calls for a Float32Array/],
    ['trajectory-determinism', ['trajectory-determinism'], /two runs with seed 42 and the same 100 actions differ: record 1 differs in observation/],
    ['observation-aliasing', ['observation-aliasing'], /the observation returned at step 0 was changed by later calls/],
    ['render', ['render'], /render\(\) returned 48 bytes for 4×3; an RGB frame needs width × height × 3 = 36/],
  ];
  for (const [bug, names, message] of expected) {
    it(`fails the '${bug}' check on an env with that bug`, () => {
      const { names: got, error } = failuresOf(new CheckableEnv(bug));
      expect(got.sort()).toEqual([...names].sort());
      expect(error.message).toMatch(new RegExp(`^CheckableEnv failed ${names.length} env checks?:`));
      expect(error.message).toContain(`[${bug}]`);
      expect(error.message).toMatch(message);
      expect(error.report.checks.filter((c) => c.passed).length).toBeGreaterThan(0);
    });
  }

  it('lists every failure of an env with several bugs at once', () => {
    const env = new CheckableEnv('render');
    (env as { metadata: unknown }).metadata = { renderFps: -1 };
    const { names, error } = failuresOf(env);
    expect(names.sort()).toEqual(['metadata', 'render']);
    expect(error.message.split('\n').length).toBe(3);
  });

  it('skipRenderCheck leaves render() out', () => {
    const report = checkEnv(new CheckableEnv('render'), { skipRenderCheck: true });
    expect(report.checks.map((c) => c.check)).not.toContain('render');
    expect(report.skipped).toEqual([{ check: 'render', reason: 'skipRenderCheck was set' }]);
  });

  it('skips the determinism checks for an env whose spec says nondeterministic', () => {
    register({ id: 'Check/Noisy-v0', entryPoint: () => new CheckableEnv('trajectory-determinism'), nondeterministic: true });
    const report = checkEnv(make('Check/Noisy-v0'));
    expect(report.skipped.map((s) => s.check).sort()).toEqual(['reset-determinism', 'trajectory-determinism', 'unseeded-reset']);
  });

  it('passes the fixture envs raw and through make (TimeLimit + EnvGuard), and a plain-JS user env', () => {
    expect(checkEnv(new PointEnv()).checks.every((c) => c.passed)).toBe(true);
    expect(checkEnv(new CounterEnv({ length: 7 })).steps).toBe(100);
    register({ id: 'Check/Walk-v0', entryPoint: `${walkFile}:WalkEnv`, maxEpisodeSteps: 30 });
    const report = checkEnv(make('Check/Walk-v0'));
    expect(report.env).toBe('Check/Walk-v0');
    expect(report.checks.length).toBe(allChecks.length);
  });

  it('rejects bad arguments', () => {
    expect(() => checkEnv(null as unknown as Env)).toThrow(TypeError);
    expect(() => checkEnv(new CounterEnv(), { steps: 0 })).toThrow(/steps must be a positive integer/);
  });
});

describe('checkEnv over every registered env', () => {
  it('passes each registered id made with its defaults', () => {
    const ids = registeredIds().filter((id) => !id.startsWith('Check/'));
    const failures: string[] = [];
    for (const id of ids) {
      try {
        const env = make(id);
        checkEnv(env, { steps: 60 });
        env.close();
      } catch (err) {
        failures.push(`${id}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(ids.length).toBe(registeredIds().filter((id) => !id.startsWith('Check/')).length);
  });
});
