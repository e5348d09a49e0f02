// bsuite's Catch.
import { describe, expect, it } from 'vitest';
import { CATCH_LEFT, CATCH_RIGHT, CATCH_STAY, CatchEnv, Rng, make, type Env, type RectShape } from '../../envs/index.js';

function catchEnv(kwargs: Record<string, unknown> = {}): { env: Env<Uint8Array, number>; raw: CatchEnv } {
  const env = make<Uint8Array, number>('Catch-v0', kwargs);
  return { env, raw: env.unwrapped as CatchEnv };
}

/** Plays one episode, steering the paddle with `policy`; returns rewards and the step count. */
function play(env: Env<Uint8Array, number>, raw: CatchEnv, seed: number, policy: () => number): { rewards: number[]; steps: number } {
  env.reset({ seed });
  const rewards: number[] = [];
  for (;;) {
    const r = env.step(policy());
    rewards.push(r.reward);
    if (r.terminated || r.truncated) return { rewards, steps: rewards.length };
    expect(raw.ballY).toBe(rewards.length);
  }
}

describe('Catch-v0', () => {
  it('pays +1 for a catch after exactly 9 steps, with 0 before', () => {
    const { env, raw } = catchEnv({ obsType: 'grid' });
    for (let seed = 0; seed < 10; seed++) {
      const chase = () => (raw.ballX < raw.paddleX ? CATCH_LEFT : raw.ballX > raw.paddleX ? CATCH_RIGHT : CATCH_STAY);
      const { rewards, steps } = play(env, raw, seed, chase);
      expect(steps).toBe(9);
      expect(rewards).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    }
  });

  it('pays −1 for a miss', () => {
    const { env, raw } = catchEnv({ obsType: 'grid' });
    for (let seed = 0; seed < 10; seed++) {
      // Run to the wall away from the ball (or either wall when it falls in the middle column).
      const flee = () => (raw.ballX >= 2 ? CATCH_LEFT : CATCH_RIGHT);
      const { rewards, steps } = play(env, raw, seed, flee);
      expect(steps).toBe(9);
      expect(rewards.at(-1)).toBe(-1);
      expect(rewards.slice(0, 8).every((r) => r === 0)).toBe(true);
    }
  });

  it('starts the ball in a random column of the top row, the paddle centred on the bottom row', () => {
    const { env, raw } = catchEnv({ obsType: 'grid' });
    expect(env.observationSpace.shape).toEqual([10, 5, 1]);
    const columns = new Set<number>();
    for (let seed = 0; seed < 60; seed++) {
      const obs = env.reset({ seed }).observation;
      columns.add(raw.ballX);
      expect(obs[raw.ballX]).toBe(1);
      expect(obs[9 * 5 + 2]).toBe(1);
      expect(obs.reduce((a, b) => a + b, 0)).toBe(2);
      expect(env.observationSpace.contains(obs)).toBe(true);
    }
    expect([...columns].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('is deterministic per seed', () => {
    const starts = (seed: number) => {
      const { env, raw } = catchEnv();
      const xs: number[] = [];
      env.reset({ seed });
      for (let i = 0; i < 20; i++) {
        xs.push(raw.ballX);
        env.reset();
      }
      return xs;
    };
    expect(starts(7)).toEqual(starts(7));
    expect(starts(7)).not.toEqual(starts(8));
  });

  it('renders rgb observations from its scene: ball and paddle colours at their cell centres', () => {
    const { env, raw } = catchEnv();
    expect(env.observationSpace.shape).toEqual([84, 84, 3]);
    const scene = env.scene!();
    expect([scene.width, scene.height, scene.background]).toEqual([5, 10, 0x000000]);
    const color = (kind: string) => (scene.shapes.find((s) => s.kind === kind) as RectShape).color;
    let obs = env.reset({ seed: 3 }).observation;
    const actions = new Rng(1);
    for (let t = 0; t < 8; t++) {
      const at = (col: number, row: number) => {
        const px = Math.floor(((col + 0.5) * 84) / 5);
        const py = Math.floor(((row + 0.5) * 84) / 10);
        const i = (py * 84 + px) * 3;
        return (obs[i]! << 16) | (obs[i + 1]! << 8) | obs[i + 2]!;
      };
      expect(at(raw.ballX, raw.ballY)).toBe(color('ball'));
      expect(at(raw.paddleX, 9)).toBe(color('paddle'));
      expect(at((raw.paddleX + 2) % 5, 5 + (raw.ballY === 5 ? 1 : 0))).toBe(0);
      obs = env.step(actions.int(3)).observation;
    }
    expect(make('Catch-v0', { width: 50, height: 100 }).observationSpace.shape).toEqual([100, 50, 3]);
  });

  it('binds the arrow keys and rejects bad input', () => {
    const { env, raw } = catchEnv();
    expect(env.keysToAction!()).toEqual({ '': CATCH_STAY, ArrowLeft: CATCH_LEFT, ArrowRight: CATCH_RIGHT });
    expect(() => make('Catch-v0', { obsType: 'channels' })).toThrow(/obsType/);
    expect(() => make('Catch-v0', { rows: 5 })).toThrow(/unknown kwarg 'rows'/);
    env.reset({ seed: 0 });
    const before = [raw.ballX, raw.ballY, raw.paddleX];
    expect(() => raw.step(3)).toThrow(/outside the action space/);
    expect([raw.ballX, raw.ballY, raw.paddleX]).toEqual(before);
  });
});
