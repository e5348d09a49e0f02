// Behaviour shared by the five MinAtar games: spaces, action sets, sticky actions, determinism,
// observations (channels, scene, rgb), keys, kwargs and bad input.
import { describe, expect, it } from 'vitest';
import { Box, Discrete, MinAtarEnv, Rng, make, type Env, type RectShape } from '../../envs/index.js';

const GAMES = [
  { id: 'MinAtar/Breakout-v1', channels: ['paddle', 'ball', 'trail', 'brick'], minimal: [0, 1, 3] },
  { id: 'MinAtar/Freeway-v1', channels: ['chicken', 'car', 'speed1', 'speed2', 'speed3', 'speed4', 'speed5'], minimal: [0, 2, 4] },
  { id: 'MinAtar/Asterix-v1', channels: ['player', 'enemy', 'trail', 'gold'], minimal: [0, 1, 2, 3, 4] },
  {
    id: 'MinAtar/Seaquest-v1',
    channels: ['sub_front', 'sub_back', 'friendly_bullet', 'trail', 'enemy_bullet', 'enemy_fish', 'enemy_sub', 'oxygen_guage', 'diver_guage', 'diver'],
    minimal: [0, 1, 2, 3, 4, 5],
  },
  {
    id: 'MinAtar/SpaceInvaders-v1',
    channels: ['cannon', 'alien', 'alien_left', 'alien_right', 'friendly_bullet', 'enemy_bullet'],
    minimal: [0, 1, 3, 5],
  },
] as const;

type Obs = Uint8Array;

function minatar(env: Env): MinAtarEnv {
  const u = env.unwrapped;
  if (!(u instanceof MinAtarEnv)) throw new Error('not a MinAtar env');
  return u;
}

/** FNV-1a hash of an observation: comparing thousands of hashes is much faster than the arrays. */
function hash(o: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < o.length; i++) h = Math.imul(h ^ o[i]!, 0x01000193);
  return h >>> 0;
}

/** Plays `steps` seeded random actions (resetting on episode end); returns every observation and reward. */
function rollout(id: string, seed: number, steps: number, kwargs: Record<string, unknown> = {}): { obs: Obs[]; rewards: number[]; ends: number } {
  const env = make<Obs, number>(id, kwargs);
  const actions = new Rng(1234);
  const n = (env.actionSpace as Discrete).n;
  const obs: Obs[] = [env.reset({ seed }).observation];
  const rewards: number[] = [];
  let ends = 0;
  for (let t = 0; t < steps; t++) {
    const r = env.step(actions.int(n));
    obs.push(r.observation);
    rewards.push(r.reward);
    if (r.terminated || r.truncated) {
      ends++;
      obs.push(env.reset().observation);
    }
  }
  return { obs, rewards, ends };
}

/** The colour the scene shows in each cell: the last rect drawn over the cell's centre, or black. */
function sceneCellColors(env: MinAtarEnv): number[] {
  const scene = env.scene();
  const colors = new Array<number>(100).fill(scene.background);
  for (const s of scene.shapes as RectShape[])
    for (let y = s.y; y < s.y + s.h; y++) for (let x = s.x; x < s.x + s.w; x++) colors[y * 10 + x] = s.color;
  return colors;
}

describe.each(GAMES)('$id', ({ id, channels, minimal }) => {
  it('has channel observations [10, 10, C] in MinAtar channel order and the minimal action set', () => {
    const env = make<Obs, number>(id);
    expect(env.observationSpace).toBeInstanceOf(Box);
    expect(env.observationSpace.shape).toEqual([10, 10, channels.length]);
    expect(env.observationSpace.dtype).toBe('uint8');
    expect(minatar(env).channelNames).toEqual(channels);
    const colors = minatar(env).game.palette.colors;
    expect(new Set(colors).size).toBe(channels.length);
    expect(colors).not.toContain(0x000000);
    expect((env.actionSpace as Discrete).n).toBe(minimal.length);
    expect(minatar(env).actionSet).toEqual(minimal);
    const full = make<Obs, number>(id, { fullActionSpace: true });
    expect((full.actionSpace as Discrete).n).toBe(6);
    expect(minatar(full).actionSet).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps every observation binary and inside the space over random play', () => {
    const { obs, rewards } = rollout(id, 3, 1500);
    const space = make(id).observationSpace;
    for (const o of obs) expect(space.contains(o)).toBe(true);
    for (const r of rewards) expect(Number.isFinite(r) && r >= 0).toBe(true);
    // Observations are fresh arrays, never one buffer reused.
    expect(obs[0]).not.toBe(obs[1]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = rollout(id, 11, 400);
    const b = rollout(id, 11, 400);
    expect(b.rewards).toEqual(a.rewards);
    expect(b.obs.map(hash)).toEqual(a.obs.map(hash));
    const c = rollout(id, 12, 400);
    expect(c.obs.map(hash)).not.toEqual(a.obs.map(hash));
  });

  it('repeats the previous action with stickyActionProb 1 and never with 0', () => {
    const always = minatar(make(id, { stickyActionProb: 1, fullActionSpace: true }));
    always.reset({ seed: 0 });
    always.lastAction = 3;
    for (let t = 0; t < 20 && !always.game.terminal; t++) {
      always.step(t % 6);
      expect(always.lastAction).toBe(3);
    }
    const never = minatar(make(id, { stickyActionProb: 0, fullActionSpace: true }));
    never.reset({ seed: 0 });
    const actions = new Rng(5);
    for (let t = 0; t < 200 && !never.game.terminal; t++) {
      const a = actions.int(6);
      never.step(a);
      expect(never.lastAction).toBe(a);
    }
  });

  it('makes about 10% of actions sticky by default', () => {
    const env = minatar(make(id, { fullActionSpace: true, difficultyRamping: false }));
    env.reset({ seed: 9 });
    const actions = new Rng(6);
    let changes = 0;
    let sticky = 0;
    for (let t = 0; t < 4000; t++) {
      if (env.game.terminal) env.reset();
      const before = env.lastAction;
      const a = actions.int(6);
      env.step(a);
      if (a !== before) {
        changes++;
        if (env.lastAction !== a) sticky++;
      }
    }
    expect(sticky / changes).toBeGreaterThan(0.07);
    expect(sticky / changes).toBeLessThan(0.13);
  });

  it('draws a scene of 10 × 10 unit cells that matches the channels kind by kind', () => {
    const env = make<Obs, number>(id);
    const actions = new Rng(2);
    let obs = env.reset({ seed: 4 }).observation;
    for (let t = 0; t < 60; t++) {
      const scene = env.scene!();
      expect(scene.width).toBe(10);
      expect(scene.height).toBe(10);
      expect(scene.background).toBe(0x000000);
      const rebuilt = new Uint8Array(obs.length);
      const colorOf = new Map<string, number>();
      for (const s of scene.shapes) {
        expect(s.type).toBe('rect');
        const r = s as RectShape;
        const ch = channels.indexOf(r.kind as never);
        expect(ch).toBeGreaterThanOrEqual(0);
        expect(colorOf.get(r.kind!) ?? r.color).toBe(r.color);
        colorOf.set(r.kind!, r.color);
        for (let x = r.x; x < r.x + r.w; x++) rebuilt[(r.y * 10 + x) * channels.length + ch] = 1;
      }
      expect(rebuilt).toEqual(obs);
      const r = env.step(actions.int((env.actionSpace as Discrete).n));
      obs = r.terminated ? env.reset().observation : r.observation;
    }
  });

  it('gives rgb observations that show each cell in its top kind colour', () => {
    const chEnv = make<Obs, number>(id);
    const rgbEnv = make<Obs, number>(id, { obsType: 'rgb' });
    expect(rgbEnv.observationSpace.shape).toEqual([84, 84, 3]);
    expect(make(id, { obsType: 'rgb', width: 40, height: 30 }).observationSpace.shape).toEqual([30, 40, 3]);
    const actions = new Rng(8);
    chEnv.reset({ seed: 21 });
    let rgb = rgbEnv.reset({ seed: 21 }).observation;
    for (let t = 0; t < 40; t++) {
      expect(rgbEnv.observationSpace.contains(rgb)).toBe(true);
      const colors = sceneCellColors(minatar(chEnv));
      for (let row = 0; row < 10; row++) {
        for (let col = 0; col < 10; col++) {
          // The pixel under the cell's centre, whatever way 84 splits into 8- and 9-pixel cells.
          const px = Math.floor(((col + 0.5) * 84) / 10);
          const py = Math.floor(((row + 0.5) * 84) / 10);
          const i = (py * 84 + px) * 3;
          const got = (rgb[i]! << 16) | (rgb[i + 1]! << 8) | rgb[i + 2]!;
          expect(got, `cell (${row}, ${col}) at t=${t}`).toBe(colors[row * 10 + col]);
        }
      }
      const a = actions.int((chEnv.actionSpace as Discrete).n);
      const rc = chEnv.step(a);
      const rr = rgbEnv.step(a);
      if (rc.terminated || rr.terminated) {
        expect(rr.terminated).toBe(rc.terminated);
        break;
      }
      rgb = rr.observation;
    }
    // The render() frame is the same picture as the rgb observation.
    const frame = rgbEnv.render()!;
    expect([frame.width, frame.height]).toEqual([84, 84]);
  });

  it('binds arrow keys and Space to the actions in its set', () => {
    const keys = make(id).keysToAction!();
    const names = ['', 'ArrowLeft', 'ArrowUp', 'ArrowRight', 'ArrowDown', 'Space'];
    expect(Object.keys(keys).sort()).toEqual(minimal.map((a) => names[a]!).sort());
    minimal.forEach((full, i) => expect(keys[names[full]!]).toBe(i));
    const fullKeys = make(id, { fullActionSpace: true }).keysToAction!();
    expect(fullKeys).toEqual({ '': 0, ArrowLeft: 1, ArrowUp: 2, ArrowRight: 3, ArrowDown: 4, Space: 5 });
  });

  it('rejects bad kwargs and bad actions with clear errors, changing nothing', () => {
    expect(() => make(id, { stickyActionProb: 1.5 })).toThrow(/stickyActionProb/);
    expect(() => make(id, { obsType: 'pixels' })).toThrow(/obsType/);
    expect(() => make(id, { stickyActonProb: 0 })).toThrow(/unknown kwarg 'stickyActonProb'/);
    expect(() => make(id, { width: 0, obsType: 'rgb' })).toThrow(/width/);
    expect(() => make(id, { fullActionSpace: 'yes' })).toThrow(/fullActionSpace/);
    const env = minatar(make(id));
    const before = env.reset({ seed: 1 }).observation;
    const rngBefore = env.getRngState();
    expect(() => env.step(99)).toThrow(/outside the action space/);
    expect(() => env.step(0.5)).toThrow(RangeError);
    expect(env.observation()).toEqual(before);
    expect(env.getRngState()).toEqual(rngBefore);
    const fresh = minatar(make(id));
    expect(() => fresh.step(0)).toThrow(/before reset/);
  });
});
