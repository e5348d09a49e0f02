// MinAtar Freeway rules, set up through the game's public state.
import { describe, expect, it } from 'vitest';
import { FreewayEnv, make, type Env } from '../../envs/index.js';

// Minimal action set: noop, up, down.
const NOOP = 0;
const UP = 1;
const DOWN = 2;

function setup(): { env: Env<Uint8Array, number>; game: FreewayEnv['game'] } {
  const env = make<Uint8Array, number>('MinAtar/Freeway-v1', { stickyActionProb: 0 });
  env.reset({ seed: 0 });
  const game = (env.unwrapped as FreewayEnv).game;
  // Park every car at the left edge, far from the chicken's column, with slow clocks.
  game.carX.fill(0);
  game.carSpeed.fill(5);
  game.carTimer.fill(5);
  return { env, game };
}

describe('MinAtar/Freeway-v1', () => {
  it('starts the chicken at the bottom of column 4 with 8 cars on rows 1..8', () => {
    const env = make<Uint8Array, number>('MinAtar/Freeway-v1');
    const obs = env.reset({ seed: 3 }).observation;
    expect(obs[(9 * 10 + 4) * 7]).toBe(1);
    const game = (env.unwrapped as FreewayEnv).game;
    for (let i = 0; i < 8; i++) {
      const s = Math.abs(game.carSpeed[i]!);
      expect(s).toBeGreaterThanOrEqual(1);
      expect(s).toBeLessThanOrEqual(5);
      expect(obs[((i + 1) * 10 + 0) * 7 + 1]).toBe(1);
      // The speed channel marks the cell behind the car (wrapping round the road).
      const back = game.carSpeed[i]! > 0 ? 9 : 1;
      expect(obs[((i + 1) * 10 + back) * 7 + 1 + s]).toBe(1);
    }
  });

  it('lets the chicken move only every third frame', () => {
    const { env, game } = setup();
    game.moveTimer = 0;
    const ys: number[] = [];
    for (let t = 0; t < 7; t++) {
      env.step(UP);
      ys.push(game.chickenY);
    }
    expect(ys).toEqual([8, 8, 8, 7, 7, 7, 6]);
    game.moveTimer = 0;
    env.step(DOWN);
    expect(game.chickenY).toBe(7);
  });

  it('sends the chicken back to the bottom when a car hits it', () => {
    const { env, game } = setup();
    game.chickenY = 5;
    game.moveTimer = 2;
    // Car 4 drives on row 5; it moves this frame into column 4.
    game.carX[4] = 3;
    game.carSpeed[4] = 2;
    game.carTimer[4] = 0;
    const r = env.step(NOOP);
    expect(game.carX[4]).toBe(4);
    expect(game.chickenY).toBe(9);
    expect(r.reward).toBe(0);
    expect(r.terminated).toBe(false);
  });

  it('also counts a car already standing in the chicken’s cell', () => {
    const { env, game } = setup();
    game.chickenY = 3;
    game.moveTimer = 2;
    game.carX[2] = 4;
    game.carSpeed[2] = -5;
    game.carTimer[2] = 4;
    env.step(NOOP);
    expect(game.chickenY).toBe(9);
  });

  it('gives +1 at the top, puts the chicken back at the bottom and re-randomizes car speeds', () => {
    const { env, game } = setup();
    game.chickenY = 1;
    game.moveTimer = 0;
    const r = env.step(UP);
    expect(r.reward).toBe(1);
    expect(game.chickenY).toBe(9);
    // New speeds: not all the parked speed 5 any more (8 draws from 1..5).
    expect([...game.carSpeed].some((s) => Math.abs(s) !== 5)).toBe(true);
    expect(r.observation[(9 * 10 + 4) * 7]).toBe(1);
  });

  it('wraps cars round the road', () => {
    const { env, game } = setup();
    game.carX[0] = 9;
    game.carSpeed[0] = 1;
    game.carTimer[0] = 0;
    game.carX[1] = 0;
    game.carSpeed[1] = -1;
    game.carTimer[1] = 0;
    env.step(NOOP);
    expect(game.carX[0]).toBe(0);
    expect(game.carX[1]).toBe(9);
  });

  it('terminates after 2,501 frames with no TimeLimit of its own', () => {
    const env = make<Uint8Array, number>('MinAtar/Freeway-v1');
    expect(env.spec?.maxEpisodeSteps).toBeUndefined();
    let r = env.reset({ seed: 1 });
    let steps = 0;
    let done = false;
    while (!done) {
      const s = env.step(steps % 3);
      steps++;
      done = s.terminated || s.truncated;
      if (done) {
        expect(s.terminated).toBe(true);
        expect(s.info.timeLeft).toBe(-1);
      }
    }
    expect(steps).toBe(2501);
    r = env.reset({ seed: 1 });
    expect(r.info.timeLeft).toBe(2500);
  });
});
