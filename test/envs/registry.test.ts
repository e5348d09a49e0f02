import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EnvGuard,
  TimeLimit,
  Wrapper,
  importModule,
  loadEntryPoint,
  make,
  makeAsync,
  register,
  registeredIds,
  spec,
  unregister,
  type Env,
} from '../../envs/index.js';
import { CounterEnv, PointEnv } from '../fixtures/envs.js';

const walkFile = fileURLToPath(new URL('../fixtures/userWalkEnv.js', import.meta.url));
const tlaFile = fileURLToPath(new URL('../fixtures/topLevelAwaitEnv.js', import.meta.url));
const registerFile = fileURLToPath(new URL('../fixtures/registerUserEnv.js', import.meta.url));
const relWalk = `./${relative(process.cwd(), walkFile)}`;

const testIds: string[] = [];
function reg(id: string, entryPoint: Parameters<typeof register>[0]['entryPoint'], extra: Partial<Parameters<typeof register>[0]> = {}): void {
  register({ id, entryPoint, ...extra });
  testIds.push(id);
}

afterEach(() => {
  for (const id of testIds.splice(0)) unregister(id);
});

/** The wrapper classes from the outside in, then the inner env's class. */
function stack(env: Env): string[] {
  const out: string[] = [];
  let e: Env = env;
  while (e instanceof Wrapper) {
    out.push(e.constructor.name);
    e = e.env as Env;
  }
  out.push(e.constructor.name);
  return out;
}

describe('registry', () => {
  it('make builds a class entry point with registered kwargs overridden by make kwargs, wrapped in TimeLimit and EnvGuard', () => {
    reg('Test/Counter-v0', CounterEnv, { kwargs: { length: 5 }, maxEpisodeSteps: 50, rewardThreshold: 4 });
    const a = make<number, number>('Test/Counter-v0');
    expect((a.unwrapped as CounterEnv).length).toBe(5);
    const b = make<number, number>('Test/Counter-v0', { length: 3 });
    expect((b.unwrapped as CounterEnv).length).toBe(3);
    expect(stack(b)).toEqual(['EnvGuard', 'TimeLimit', 'CounterEnv']);
    expect(String(b)).toBe('<EnvGuard<TimeLimit<CounterEnv<Test/Counter-v0>>>>');
    expect(b.spec).toMatchObject({ id: 'Test/Counter-v0', kwargs: { length: 3 }, maxEpisodeSteps: 50, rewardThreshold: 4 });
    // The registered kwargs are not changed by make's.
    expect(spec('Test/Counter-v0').kwargs).toEqual({ length: 5 });
  });

  it('spec returns a copy; maxEpisodeSteps can be overridden or removed per make', () => {
    reg('Test/Counter-v0', CounterEnv, { kwargs: { length: 5 }, maxEpisodeSteps: 50 });
    const s = spec('Test/Counter-v0');
    s.kwargs!.length = 99;
    s.maxEpisodeSteps = 1;
    expect(spec('Test/Counter-v0')).toMatchObject({ kwargs: { length: 5 }, maxEpisodeSteps: 50 });

    const short = make('Test/Counter-v0', {}, { maxEpisodeSteps: 2 });
    expect((short as Wrapper).find(TimeLimit)!.maxEpisodeSteps).toBe(2);
    expect(short.spec!.maxEpisodeSteps).toBe(2);
    const unlimited = make('Test/Counter-v0', {}, { maxEpisodeSteps: null });
    expect(stack(unlimited)).toEqual(['EnvGuard', 'CounterEnv']);
    expect(unlimited.spec!.maxEpisodeSteps).toBeUndefined();
    const bare = make('Test/Counter-v0', {}, { disableEnvChecker: true });
    expect(stack(bare)).toEqual(['TimeLimit', 'CounterEnv']);
  });

  it('an unknown id names the close matches', () => {
    reg('Test/Counter-v0', CounterEnv);
    reg('Test/Counter-v1', CounterEnv);
    reg('Test/Point-v0', PointEnv);
    expect(() => make('Test/Countr-v0')).toThrow(/No env registered with id 'Test\/Countr-v0'\. Did you mean: Test\/Counter-v0, Test\/Counter-v1/);
    expect(() => make('test/point-v0')).toThrow(/Did you mean: Test\/Point-v0/);
    let message = '';
    try {
      make('Zzzzzzzzzzzzzzzzzzzzzzzzzz');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^No env registered with id 'Zzzz/);
    expect(message).not.toMatch(/Did you mean/);
  });

  it('a factory entry point is called (not constructed) with the merged kwargs', () => {
    const seen: unknown[] = [];
    reg('Test/PointFactory-v0', (kwargs) => {
      seen.push(kwargs);
      return new PointEnv();
    }, { kwargs: { a: 1 } });
    const env = make('Test/PointFactory-v0', { b: 2 });
    expect(env.unwrapped).toBeInstanceOf(PointEnv);
    expect(seen).toEqual([{ a: 1, b: 2 }]);
    expect(stack(env)).toEqual(['EnvGuard', 'PointEnv']);
  });

  it('loads a plain-JS user env from a module path string, relative or absolute, by export name or default', () => {
    reg('Test/WalkRel-v0', `${relWalk}:WalkEnv`, { kwargs: { size: 3 }, maxEpisodeSteps: 20 });
    reg('Test/WalkAbs-v0', walkFile); // default export
    reg('Test/WalkFactory-v0', `${walkFile}:makeWalk`, { kwargs: { size: 2 } });
    const rel = make<Float32Array, number>('Test/WalkRel-v0');
    expect(rel.unwrapped.constructor.name).toBe('WalkEnv');
    expect((rel.unwrapped as unknown as { size: number }).size).toBe(3);
    expect(rel.spec).toMatchObject({ id: 'Test/WalkRel-v0', entryPoint: `${relWalk}:WalkEnv`, maxEpisodeSteps: 20 });
    const { observation } = rel.reset({ seed: 3 });
    expect(observation).toBeInstanceOf(Float32Array);
    expect(rel.step(1).observation.length).toBe(1);
    expect((make('Test/WalkAbs-v0').unwrapped as unknown as { size: number }).size).toBe(5);
    expect((make('Test/WalkFactory-v0').unwrapped as unknown as { size: number }).size).toBe(2);
  });

  it('makeAsync loads a module path with import() and gives the same env as make', async () => {
    reg('Test/WalkAsync-v0', `${walkFile}:WalkEnv`, { maxEpisodeSteps: 7 });
    const env = await makeAsync<Float32Array, number>('Test/WalkAsync-v0', { size: 2 });
    expect(env.unwrapped.constructor.name).toBe('WalkEnv');
    expect(stack(env)).toEqual(['EnvGuard', 'TimeLimit', 'WalkEnv']);
    const a = env.reset({ seed: 11 }).observation;
    const b = make<Float32Array, number>('Test/WalkAsync-v0', { size: 2 }).reset({ seed: 11 }).observation;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(typeof (await loadEntryPoint(`${walkFile}:makeWalk`))).toBe('function');
  });

  it('a module make cannot require (top-level await) points to makeAsync, which loads it', async () => {
    reg('Test/WalkTla-v0', `${tlaFile}:WalkEnv`);
    expect(() => make('Test/WalkTla-v0')).toThrow(/could not load entry point .* synchronously .*makeAsync/i);
    const env = await makeAsync('Test/WalkTla-v0');
    expect(env.unwrapped.constructor.name).toBe('WalkEnv');
    // Once loaded, make finds it too.
    expect(make('Test/WalkTla-v0').unwrapped.constructor.name).toBe('WalkEnv');
  });

  it('importModule runs a module that registers its own ids (what --import does)', async () => {
    await importModule(registerFile);
    testIds.push('User/Walk-v0');
    expect(registeredIds()).toContain('User/Walk-v0');
    const env = make<Float32Array, number>('User/Walk-v0');
    expect(env.spec).toMatchObject({ maxEpisodeSteps: 40, rewardThreshold: 0.9, kwargs: { size: 4 } });
    expect(env.reset({ seed: 1 }).observation.length).toBe(1);
  });

  it('rejects bad registrations and bad make arguments without changing the registry', () => {
    const before = registeredIds();
    const bad: unknown[] = [
      null,
      { id: '', entryPoint: CounterEnv },
      { id: 'Test/Bad-v0', entryPoint: 42 },
      { id: 'Test/Bad-v0', entryPoint: '' },
      { id: 'Test/Bad-v0', entryPoint: CounterEnv, maxEpisodeSteps: 0 },
      { id: 'Test/Bad-v0', entryPoint: CounterEnv, maxEpisodeSteps: 2.5 },
      { id: 'Test/Bad-v0', entryPoint: CounterEnv, rewardThreshold: 'high' },
      { id: 'Test/Bad-v0', entryPoint: CounterEnv, kwargs: [1, 2] },
    ];
    for (const b of bad) expect(() => register(b as Parameters<typeof register>[0])).toThrow(/register/);
    expect(registeredIds()).toEqual(before);

    reg('Test/Counter-v0', CounterEnv);
    expect(() => make('Test/Counter-v0', 'length=3' as unknown as Record<string, unknown>)).toThrow(/kwargs must be a plain object/);
    expect(() => make('Test/Counter-v0', {}, { maxEpisodeSteps: -1 })).toThrow(/maxEpisodeSteps must be a positive integer/);
  });

  it('explains entry points that cannot be loaded', () => {
    reg('Test/Missing-v0', './no/such/module.js:Env');
    reg('Test/WrongExport-v0', `${walkFile}:NoSuchExport`);
    reg('Test/NotAnEnv-v0', () => ({}) as Env);
    expect(() => make('Test/Missing-v0')).toThrow(/Could not load entry point '\.\/no\/such\/module\.js:Env': Cannot find module .*working directory/);
    expect(() => make('Test/WrongExport-v0')).toThrow(/export 'NoSuchExport' is not a class or function \(the module exports: .*WalkEnv/);
    expect(() => make('Test/NotAnEnv-v0')).toThrow(/did not produce an env/);
  });

  it('the EnvGuard and TimeLimit sit around every made env', () => {
    reg('Test/Counter-v0', CounterEnv, { kwargs: { length: 100 }, maxEpisodeSteps: 3 });
    const env = make<number, number>('Test/Counter-v0');
    expect(env).toBeInstanceOf(EnvGuard);
    env.reset({ seed: 0 });
    expect(env.step(1).truncated).toBe(false);
    expect(env.step(1).truncated).toBe(false);
    const last = env.step(1);
    expect(last.truncated).toBe(true);
    expect(last.terminated).toBe(false);
  });
});
