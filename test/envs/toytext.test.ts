import { describe, expect, it } from 'vitest';
import { Rng } from '../../envs/rng.js';
import { make, spec } from '../../envs/registry.js';
import '../../envs/toytext/register.js';
import {
  CliffWalkingEnv,
  FrozenLakeEnv,
  GridWorldEnv,
  generateRandomMap,
  hasPathToGoal,
  type TabularEnv,
  type TabularModel,
  type Transition,
} from '../../envs/toytext/index.js';

/** Finite-horizon optimal values, γ = 1: the best success probability / return within H steps. */
function finiteHorizonValues(m: TabularModel, horizon: number): Float64Array {
  let v = new Float64Array(m.numStates);
  for (let h = 0; h < horizon; h++) {
    const next = new Float64Array(m.numStates);
    for (let s = 0; s < m.numStates; s++) {
      let best = -Infinity;
      for (let a = 0; a < m.numActions; a++) {
        let q = 0;
        for (const t of m.transitions(s, a)) q += t.probability * (t.reward + (t.terminated ? 0 : v[t.nextState]!));
        best = Math.max(best, q);
      }
      next[s] = best;
    }
    v = next;
  }
  return v;
}

/** Outcomes as a map "nextState/reward/terminated" → probability, for order-free comparison. */
function outcomeMap(list: readonly Transition[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of list) out[`${t.nextState}/${t.reward}/${t.terminated}`] = (out[`${t.nextState}/${t.reward}/${t.terminated}`] ?? 0) + t.probability;
  return out;
}

function expectOutcomes(list: readonly Transition[], expected: Record<string, number>): void {
  const got = outcomeMap(list);
  expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
  for (const [k, p] of Object.entries(expected)) expect(got[k]).toBeCloseTo(p, 12);
}

function allEnvs(): Array<[string, TabularEnv]> {
  return [
    ['FrozenLake 4x4', new FrozenLakeEnv()],
    ['FrozenLake 4x4 not slippery', new FrozenLakeEnv({ isSlippery: false })],
    ['FrozenLake 8x8', new FrozenLakeEnv({ mapName: '8x8' })],
    ['FrozenLake successRate 0.8', new FrozenLakeEnv({ successRate: 0.8 })],
    ['CliffWalking', new CliffWalkingEnv()],
    ['CliffWalking slippery', new CliffWalkingEnv({ isSlippery: true })],
    ['GridWorld default', new GridWorldEnv()],
    ['GridWorld 5x6', new GridWorldEnv({ rows: 5, cols: 6, walls: [[2, 2], [2, 3]], traps: [{ cell: [4, 0], reward: -5 }], slip: 0.3 })],
  ];
}

describe('tabular models', () => {
  it.each(allEnvs())('%s: every state-action distribution sums to 1 and stays in range', (_name, env) => {
    for (let s = 0; s < env.numStates; s++) {
      for (let a = 0; a < env.numActions; a++) {
        const list = env.transitions(s, a);
        expect(list.length).toBeGreaterThan(0);
        let sum = 0;
        for (const t of list) {
          expect(t.probability).toBeGreaterThan(0);
          expect(Number.isInteger(t.nextState) && t.nextState >= 0 && t.nextState < env.numStates).toBe(true);
          sum += t.probability;
        }
        expect(sum).toBeCloseTo(1, 12);
      }
    }
  });

  it('the model cannot be changed through transitions()', () => {
    const env = new FrozenLakeEnv();
    const list = env.transitions(0, 1) as Transition[];
    expect(() => list.push({ probability: 1, nextState: 15, reward: 1, terminated: true })).toThrow();
    expect(() => {
      (list[0] as { reward: number }).reward = 99;
    }).toThrow();
    expect(env.transitions(0, 1).length).toBe(3);
  });

  it.each(allEnvs())('%s: empirical next-state frequencies match the model', (_name, env) => {
    const rng = new Rng(7);
    const counts = new Map<number, Map<string, number>>();
    const visits = new Map<number, number>();
    let s = env.reset({ seed: 123 }).observation;
    for (let i = 0; i < 60_000; i++) {
      const a = rng.int(env.numActions);
      const r = env.step(a);
      const key = s * env.numActions + a;
      visits.set(key, (visits.get(key) ?? 0) + 1);
      const m = counts.get(key) ?? new Map<string, number>();
      const outcome = `${r.observation}/${r.reward}/${r.terminated}`;
      m.set(outcome, (m.get(outcome) ?? 0) + 1);
      counts.set(key, m);
      s = r.terminated ? env.reset().observation : r.observation;
    }
    let checked = 0;
    for (const [key, n] of visits) {
      if (n < 400) continue;
      const model = outcomeMap(env.transitions(Math.floor(key / env.numActions), key % env.numActions));
      const seen = counts.get(key)!;
      for (const outcome of seen.keys()) expect(model[outcome], `outcome ${outcome} is not in the model`).toBeGreaterThan(0);
      for (const [outcome, p] of Object.entries(model)) {
        const freq = (seen.get(outcome) ?? 0) / n;
        // 5 standard deviations of a binomial proportion, at least 1%.
        expect(Math.abs(freq - p)).toBeLessThan(Math.max(0.01, 5 * Math.sqrt((p * (1 - p)) / n)));
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('FrozenLake', () => {
  it('slips with 1/3 to the intended and each perpendicular direction, merging moves into the border', () => {
    const env = new FrozenLakeEnv();
    // State 0, left: left and up both bump into the border (stay), down reaches 4.
    expectOutcomes(env.transitions(0, 0), { '0/0/false': 2 / 3, '4/0/false': 1 / 3 });
    // State 0, down: right → 1, down → 4, left → 0.
    expectOutcomes(env.transitions(0, 1), { '0/0/false': 1 / 3, '4/0/false': 1 / 3, '1/0/false': 1 / 3 });
    // State 14, right: down bumps (stay), right reaches the goal, up reaches 10.
    expectOutcomes(env.transitions(14, 2), { '14/0/false': 1 / 3, '15/1/true': 1 / 3, '10/0/false': 1 / 3 });
    // State 9, up: left → 8, up → 5 (hole), right → 10.
    expectOutcomes(env.transitions(9, 3), { '8/0/false': 1 / 3, '5/0/true': 1 / 3, '10/0/false': 1 / 3 });
  });

  it('never moves against the intended direction', () => {
    const env = new FrozenLakeEnv({ desc: ['FFF', 'FSF', 'FFG'] });
    // From the centre (4) every neighbour is distinct: 3 outcomes, none the opposite one.
    const neighbour = [3, 7, 5, 1]; // left, down, right, up
    for (let a = 0; a < 4; a++) {
      const next = env.transitions(4, a).map((t) => t.nextState).sort();
      expect(next).toEqual([neighbour[(a + 3) % 4]!, neighbour[a]!, neighbour[(a + 1) % 4]!].sort());
      expect(next).not.toContain(neighbour[(a + 2) % 4]);
    }
  });

  it('holes and the goal are terminal and absorbing', () => {
    const env = new FrozenLakeEnv();
    for (const s of [5, 7, 11, 12, 15]) for (let a = 0; a < 4; a++) expectOutcomes(env.transitions(s, a), { [`${s}/0/true`]: 1 });
    const det = new FrozenLakeEnv({ isSlippery: false });
    det.reset({ seed: 0 });
    det.step(1);
    expect(det.step(2)).toMatchObject({ observation: 5, reward: 0, terminated: true, truncated: false });
  });

  it('non-slippery is deterministic and the shortest path earns 1', () => {
    const env = new FrozenLakeEnv({ isSlippery: false });
    for (let s = 0; s < 16; s++) for (let a = 0; a < 4; a++) expect(env.transitions(s, a)).toHaveLength(1);
    expect(env.reset({ seed: 3 })).toEqual({ observation: 0, info: { prob: 1 } });
    const path = [1, 1, 2, 1, 2, 2];
    const states = path.map((a) => env.step(a));
    expect(states.map((r) => r.observation)).toEqual([4, 8, 9, 13, 14, 15]);
    expect(states.map((r) => r.reward)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(states.map((r) => r.terminated)).toEqual([false, false, false, false, false, true]);
    expect(states[5]!.info).toEqual({ prob: 1 });
  });

  it('has Gymnasium’s optimal success rates: 0.74 within 100 steps (4x4), 0.91 within 200 (8x8)', () => {
    expect(finiteHorizonValues(new FrozenLakeEnv(), 100)[0]).toBeCloseTo(0.744, 3);
    expect(finiteHorizonValues(new FrozenLakeEnv({ mapName: '8x8' }), 200)[0]).toBeCloseTo(0.913, 3);
  });

  it('8x8 map: 64 states, holes where Gymnasium has them', () => {
    const env = new FrozenLakeEnv({ mapName: '8x8' });
    expect(env.numStates).toBe(64);
    expect(env.observationSpace.n).toBe(64);
    expect(env.actionSpace.n).toBe(4);
    const holes: number[] = [];
    for (let s = 0; s < 64; s++) {
      const absorbing = [0, 1, 2, 3].every((a) => {
        const list = env.transitions(s, a);
        return list.length === 1 && list[0]!.nextState === s && list[0]!.terminated;
      });
      if (absorbing && s !== 63) holes.push(s);
    }
    expect(holes).toEqual([19, 29, 35, 41, 42, 46, 49, 52, 54, 59]);
    expect(env.transitions(62, 2).find((t) => t.nextState === 63)).toEqual({ probability: 1 / 3, nextState: 63, reward: 1, terminated: true });
  });

  it('custom maps, successRate and rewardSchedule', () => {
    const env = new FrozenLakeEnv({ desc: ['SFH', 'FFG'], successRate: 0.5, rewardSchedule: [10, -1, -0.1] });
    expect(env.numStates).toBe(6);
    // From 1 going right: intended → 2 (hole, −1) 0.5; down → 4 (−0.1) 0.25; up → stays 1 (−0.1) 0.25.
    expectOutcomes(env.transitions(1, 2), { '2/-1/true': 0.5, '4/-0.1/false': 0.25, '1/-0.1/false': 0.25 });
    expectOutcomes(env.transitions(4, 2), { '5/10/true': 0.5, '4/-0.1/false': 0.25, '1/-0.1/false': 0.25 });
    // Two start cells: reset picks either, with probability 1/2.
    const two = new FrozenLakeEnv({ desc: ['SFS', 'FFG'] });
    let atZero = two.reset({ seed: 11 }).observation === 0 ? 1 : 0;
    for (let i = 1; i < 2000; i++) {
      const s = two.reset().observation;
      expect([0, 2]).toContain(s);
      if (s === 0) atZero++;
    }
    expect(Math.abs(atZero / 2000 - 0.5)).toBeLessThan(0.05);
  });

  it('rejects bad options and bad actions without changing state', () => {
    expect(() => new FrozenLakeEnv({ desc: ['SFX'] })).toThrow(/S, F, H and G/);
    expect(() => new FrozenLakeEnv({ desc: ['SF', 'F'] })).toThrow(/equal length/);
    expect(() => new FrozenLakeEnv({ desc: ['FF', 'FG'] })).toThrow(/start/);
    expect(() => new FrozenLakeEnv({ mapName: '5x5' as '4x4' })).toThrow(/mapName/);
    expect(() => new FrozenLakeEnv({ isSlippery: 'yes' as unknown as boolean })).toThrow(/isSlippery/);
    expect(() => new FrozenLakeEnv({ slippery: true } as object)).toThrow(/unknown option 'slippery'/);
    const env = new FrozenLakeEnv();
    expect(() => env.step(0)).toThrow(/before reset/);
    env.reset({ seed: 1 });
    expect(() => env.step(4)).toThrow(/action 4/);
    expect(() => env.step(1.5)).toThrow(/action 1.5/);
    expect(env.state).toBe(0);
    expect(() => env.transitions(16, 0)).toThrow(/state 16/);
  });

  it('generateRandomMap: seeded, start and goal in the corners, always a path', () => {
    const a = generateRandomMap(8, 0.8, 42);
    expect(generateRandomMap(8, 0.8, new Rng(42))).toEqual(a);
    expect(a).toHaveLength(8);
    expect(a.every((r) => r.length === 8 && /^[SFHG]+$/.test(r))).toBe(true);
    expect(a[0]![0]).toBe('S');
    expect(a[7]![7]).toBe('G');
    for (let seed = 0; seed < 30; seed++) expect(hasPathToGoal(generateRandomMap(6, 0.5, seed))).toBe(true);
    const env = new FrozenLakeEnv({ desc: generateRandomMap(5, 0.7, 1) });
    expect(env.numStates).toBe(25);
    expect(hasPathToGoal(['SH', 'HG'])).toBe(false);
    expect(hasPathToGoal(['SFH', 'HFF', 'HHG'])).toBe(true);
    expect(hasPathToGoal(['SFH', 'HHF', 'HFG'])).toBe(false);
    expect(() => generateRandomMap(1)).toThrow(/size/);
    expect(() => generateRandomMap(4, 0)).toThrow(/p must be/);
  });
});

describe('CliffWalking', () => {
  it('the cliff costs −100 and sends the agent back to the start without ending the episode', () => {
    const env = new CliffWalkingEnv();
    expect(env.reset({ seed: 0 }).observation).toBe(36);
    expect(env.step(1)).toMatchObject({ observation: 36, reward: -100, terminated: false });
    expect(env.step(0)).toMatchObject({ observation: 24, reward: -1, terminated: false });
    // From 34 (row 2, col 10) down is the cliff too.
    expectOutcomes(env.transitions(34, 2), { '36/-100/false': 1 });
    expectOutcomes(env.transitions(35, 2), { '47/-1/true': 1 });
  });

  it('the optimal path is 13 steps with return −13', () => {
    const env = new CliffWalkingEnv();
    env.reset({ seed: 0 });
    const actions = [0, ...Array<number>(11).fill(1), 2];
    let ret = 0;
    let last = null as null | ReturnType<typeof env.step>;
    for (const a of actions) {
      last = env.step(a);
      ret += last.reward;
    }
    expect(actions).toHaveLength(13);
    expect(ret).toBe(-13);
    expect(last).toMatchObject({ observation: 47, terminated: true });
    expect(finiteHorizonValues(env, 100)[36]).toBe(-13);
  });

  it('slippery: 1/3 each way, keeping a fall and a bump into the same start cell apart', () => {
    const env = new CliffWalkingEnv({ isSlippery: true });
    // From the start going right: up → 24, right → cliff → 36 (−100), down → bumps, stays 36 (−1).
    expectOutcomes(env.transitions(36, 1), { '24/-1/false': 1 / 3, '36/-100/false': 1 / 3, '36/-1/false': 1 / 3 });
    expect(env.observationSpace.n).toBe(48);
    expect(env.actionSpace.n).toBe(4);
  });
});

describe('GridWorld', () => {
  it('default is Russell & Norvig’s 4×3 world', () => {
    const env = new GridWorldEnv();
    expect([env.rows, env.cols, env.numStates]).toEqual([3, 4, 12]);
    expect(env.cellKind(5)).toBe('wall');
    expect(env.cellKind(3)).toBe('goal');
    expect(env.cellKind(7)).toBe('trap');
    expect(env.cellKind(8)).toBe('start');
    // Start (8) going up: 0.8 to 4, left slip bumps the border (stay), right slip to 9.
    expectOutcomes(env.transitions(8, 0), { '4/-0.04/false': 0.8, '8/-0.04/false': 0.1, '9/-0.04/false': 0.1 });
    // 4 going right: the wall at 5 blocks the move (stay) with 0.8.
    expectOutcomes(env.transitions(4, 1), { '4/-0.04/false': 0.8, '0/-0.04/false': 0.1, '8/-0.04/false': 0.1 });
    // 2 going right enters the goal; slips go up (bump) or down into 6.
    expectOutcomes(env.transitions(2, 1), { '3/1/true': 0.8, '2/-0.04/false': 0.1, '6/-0.04/false': 0.1 });
    expectOutcomes(env.transitions(6, 1), { '7/-1/true': 0.8, '2/-0.04/false': 0.1, '10/-0.04/false': 0.1 });
    for (let a = 0; a < 4; a++) expectOutcomes(env.transitions(3, a), { '3/0/true': 1 });
    // AIMA's U(1,1) = 0.705 counts the start's own −0.04; the return from it here does not.
    const v = finiteHorizonValues(env, 3000);
    expect(v[8]).toBeCloseTo(0.705 + 0.04, 3);
  });

  it('custom layouts and their checks', () => {
    const env = new GridWorldEnv({ rows: 2, cols: 3, start: [1, 0], goals: [{ cell: [0, 2], reward: 5 }], stepReward: -1, slip: 0 });
    expect(env.reset({ seed: 0 }).observation).toBe(3);
    expect(env.step(0)).toMatchObject({ observation: 0, reward: -1, terminated: false });
    expect(env.step(1)).toMatchObject({ observation: 1, reward: -1 });
    expect(env.step(1)).toMatchObject({ observation: 2, reward: 5, terminated: true });
    const open = new GridWorldEnv({ rows: 3, cols: 3 });
    expect(open.cellKind(0)).toBe('start');
    expect(open.cellKind(8)).toBe('goal');
    expect(() => new GridWorldEnv({ walls: [[0, 3]] })).toThrow(/both a wall and a goal/);
    expect(() => new GridWorldEnv({ rows: 3, cols: 3, start: [3, 0] })).toThrow(/outside/);
    expect(() => new GridWorldEnv({ slip: 1.5 })).toThrow(/slip/);
    expect(() => new GridWorldEnv({ goals: [{ cell: [0, 0], reward: Number.NaN }] })).toThrow(/reward/);
    expect(() => new GridWorldEnv({ size: 4 } as object)).toThrow(/unknown option 'size'/);
  });
});

describe('rendering and keys', () => {
  it('one cell per state with its kind, and the agent on the current state', () => {
    const env = new FrozenLakeEnv();
    env.reset({ seed: 0 });
    const scene = env.scene();
    expect([scene.width, scene.height]).toEqual([64, 64]);
    const cells = scene.shapes.filter((s) => s.kind !== 'agent');
    expect(cells).toHaveLength(16);
    expect(cells.map((c) => c.kind![0]!.toUpperCase()).join('')).toBe('SFFFFHFHFFFHHFFG');
    const agent = scene.shapes.find((s) => s.kind === 'agent');
    expect(agent).toMatchObject({ type: 'circle', x: 8, y: 8 });
    const cliff = new CliffWalkingEnv();
    cliff.reset({ seed: 0 });
    cliff.step(0);
    const cs = cliff.scene();
    expect(cs.shapes.filter((s) => s.kind === 'cliff')).toHaveLength(10);
    expect(cs.shapes.find((s) => s.kind === 'agent')).toMatchObject({ x: 8, y: 2.5 * 16 });
    expect(new GridWorldEnv().scene().shapes.filter((s) => s.kind === 'wall')).toHaveLength(1);
    // Distinct colours for distinct kinds.
    const colorOf = new Map<string, number>();
    for (const s of [...scene.shapes, ...cs.shapes]) colorOf.set(s.kind!, s.color);
    expect(new Set(colorOf.values()).size).toBe(colorOf.size);
  });

  it('render() honours renderWidth / renderHeight', () => {
    const env = new FrozenLakeEnv({ mapName: '8x8', renderWidth: 96, renderHeight: 80 });
    env.reset({ seed: 0 });
    const f = env.render()!;
    expect([f.width, f.height, f.data.length]).toEqual([96, 80, 96 * 80 * 3]);
    const g = new CliffWalkingEnv();
    g.reset({ seed: 0 });
    expect([g.render()!.width, g.render()!.height]).toEqual([192, 64]);
    expect(() => new CliffWalkingEnv({ renderWidth: 0 })).toThrow(/renderWidth/);
  });

  it('arrow keys map to each env’s own action order', () => {
    expect(new FrozenLakeEnv().keysToAction()).toEqual({ ArrowLeft: 0, ArrowDown: 1, ArrowRight: 2, ArrowUp: 3 });
    expect(new CliffWalkingEnv().keysToAction()).toEqual({ ArrowUp: 0, ArrowRight: 1, ArrowDown: 2, ArrowLeft: 3 });
    expect(new GridWorldEnv().keysToAction()).toEqual({ ArrowUp: 0, ArrowRight: 1, ArrowDown: 2, ArrowLeft: 3 });
  });
});

describe('seeding and registration', () => {
  function trajectory(env: TabularEnv, seed: number): string {
    const actions = new Rng(99);
    const out: number[] = [env.reset({ seed }).observation];
    for (let i = 0; i < 300; i++) {
      const r = env.step(actions.int(4));
      out.push(r.observation, r.reward);
      if (r.terminated) out.push(-1, env.reset().observation);
    }
    return out.join(',');
  }

  it('same seed, same trajectory; another seed, another one', () => {
    for (const mk of [() => new FrozenLakeEnv(), () => new CliffWalkingEnv({ isSlippery: true }), () => new GridWorldEnv()]) {
      const a = trajectory(mk(), 5);
      expect(trajectory(mk(), 5)).toBe(a);
      expect(trajectory(mk(), 6)).not.toBe(a);
    }
  });

  it('registers the ids with Gymnasium’s limits and thresholds', () => {
    expect(spec('FrozenLake-v1')).toMatchObject({ maxEpisodeSteps: 100, rewardThreshold: 0.7 });
    expect(spec('FrozenLake8x8-v1')).toMatchObject({ maxEpisodeSteps: 200, rewardThreshold: 0.85 });
    expect(spec('GridWorld-v0').maxEpisodeSteps).toBe(100);
    expect(spec('CliffWalking-v0').maxEpisodeSteps).toBeUndefined();
    const fl = make<number, number>('FrozenLake8x8-v1');
    expect((fl.unwrapped as FrozenLakeEnv).numStates).toBe(64);
    const det = make<number, number>('FrozenLake-v1', { isSlippery: false });
    det.reset({ seed: 0 });
    let truncated = false;
    for (let i = 0; i < 100 && !truncated; i++) truncated = det.step(0).truncated;
    expect(truncated).toBe(true);
    const cw = make<number, number>('CliffWalking-v0');
    expect(cw.reset({ seed: 0 }).observation).toBe(36);
    expect((make('CliffWalkingSlippery-v1').unwrapped as CliffWalkingEnv).isSlippery).toBe(true);
    expect((make('GridWorld-v0', { rows: 4, cols: 4 }).unwrapped as GridWorldEnv).numStates).toBe(16);
  });
});
