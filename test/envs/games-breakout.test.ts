// MinAtar Breakout rules, set up through the game's public state.
import { describe, expect, it } from 'vitest';
import {
  BREAKOUT_DOWN_LEFT as DOWN_LEFT,
  BREAKOUT_DOWN_RIGHT as DOWN_RIGHT,
  BREAKOUT_UP_LEFT as UP_LEFT,
  BREAKOUT_UP_RIGHT as UP_RIGHT,
  BreakoutEnv,
  make,
  type Env,
} from '../../envs/index.js';

// Minimal action set: noop, left, right.
const NOOP = 0;
const LEFT = 1;
const RIGHT = 2;

function setup(): { env: Env<Uint8Array, number>; game: BreakoutEnv['game'] } {
  const env = make<Uint8Array, number>('MinAtar/Breakout-v1', { stickyActionProb: 0 });
  env.reset({ seed: 0 });
  return { env, game: (env.unwrapped as BreakoutEnv).game };
}

function placeBall(game: BreakoutEnv['game'], x: number, y: number, dir: 0 | 1 | 2 | 3): void {
  game.ballX = game.lastX = x;
  game.ballY = game.lastY = y;
  game.ballDir = dir;
  game.strike = false;
}

describe('MinAtar/Breakout-v1', () => {
  it('starts with three rows of bricks, the paddle in column 4 and the ball on row 3 at a side wall', () => {
    const sides = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const env = make<Uint8Array, number>('MinAtar/Breakout-v1');
      const obs = env.reset({ seed }).observation;
      const game = (env.unwrapped as BreakoutEnv).game;
      expect(game.brickCount()).toBe(30);
      for (let x = 0; x < 10; x++) for (const y of [1, 2, 3]) expect(obs[(y * 10 + x) * 4 + 3]).toBe(1);
      expect(obs[(9 * 10 + 4) * 4 + 0]).toBe(1);
      expect(game.ballY).toBe(3);
      expect(game.ballDir).toBe(game.ballX === 0 ? DOWN_RIGHT : DOWN_LEFT);
      sides.add(game.ballX);
    }
    expect([...sides].sort()).toEqual([0, 9]);
  });

  it('moves the paddle one column per action, stopping at the walls', () => {
    const { env, game } = setup();
    placeBall(game, 5, 5, UP_RIGHT);
    game.paddleX = 1;
    env.step(LEFT);
    expect(game.paddleX).toBe(0);
    env.step(LEFT);
    expect(game.paddleX).toBe(0);
    env.step(RIGHT);
    expect(game.paddleX).toBe(1);
  });

  it('bounces the ball off the side walls and the ceiling', () => {
    const { env, game } = setup();
    game.bricks.fill(0);
    placeBall(game, 0, 6, UP_LEFT);
    env.step(NOOP);
    expect([game.ballX, game.ballY, game.ballDir]).toEqual([0, 5, UP_RIGHT]);
    env.step(NOOP);
    expect([game.ballX, game.ballY]).toEqual([1, 4]);

    placeBall(game, 5, 0, UP_RIGHT);
    env.step(NOOP);
    expect([game.ballX, game.ballY, game.ballDir]).toEqual([6, 0, DOWN_RIGHT]);
    env.step(NOOP);
    expect([game.ballX, game.ballY]).toEqual([7, 1]);
  });

  it('sends the ball back up off the paddle: mirrored from its middle, reversed from its corner', () => {
    const { env, game } = setup();
    game.paddleX = 4;
    placeBall(game, 4, 8, DOWN_RIGHT);
    let r = env.step(NOOP);
    expect(r.terminated).toBe(false);
    expect([game.ballX, game.ballY, game.ballDir]).toEqual([5, 8, UP_RIGHT]);

    placeBall(game, 3, 8, DOWN_RIGHT);
    r = env.step(NOOP);
    expect(r.terminated).toBe(false);
    expect([game.ballX, game.ballY, game.ballDir]).toEqual([4, 8, UP_LEFT]);
  });

  it('gives +1 for a brick, removes it and reflects the ball', () => {
    const { env, game } = setup();
    placeBall(game, 5, 4, UP_RIGHT);
    const r = env.step(NOOP);
    expect(r.reward).toBe(1);
    expect(game.bricks[3 * 10 + 6]).toBe(0);
    expect(game.brickCount()).toBe(29);
    expect([game.ballX, game.ballY, game.ballDir]).toEqual([6, 4, DOWN_RIGHT]);
    expect(r.info.bricks).toBe(29);
    expect(r.observation[(3 * 10 + 6) * 4 + 3]).toBe(0);
    expect(r.observation[(4 * 10 + 6) * 4 + 1]).toBe(1); // ball
    expect(r.observation[(4 * 10 + 5) * 4 + 2]).toBe(1); // trail where it was
  });

  it('lets the ball pass through a brick struck on the very next frame (MinAtar rule)', () => {
    const { env, game } = setup();
    game.bricks.fill(0);
    game.bricks[3 * 10 + 6] = 1;
    game.bricks[5 * 10 + 7] = 1;
    placeBall(game, 5, 4, UP_RIGHT);
    expect(env.step(NOOP).reward).toBe(1);
    const r = env.step(NOOP);
    expect(r.reward).toBe(0);
    expect(game.bricks[5 * 10 + 7]).toBe(1);
    expect([game.ballX, game.ballY]).toEqual([7, 5]);
    expect(game.strike).toBe(true);
  });

  it('refills the bricks once all are cleared and the ball comes down to the paddle', () => {
    const { env, game } = setup();
    game.bricks.fill(0);
    game.paddleX = 4;
    placeBall(game, 4, 7, DOWN_RIGHT);
    env.step(NOOP);
    expect(game.brickCount()).toBe(0);
    placeBall(game, 4, 8, DOWN_RIGHT);
    const r = env.step(NOOP);
    expect(r.terminated).toBe(false);
    expect(game.brickCount()).toBe(30);
    expect(r.info.bricks).toBe(30);
  });

  it('ends the game when the ball passes the paddle', () => {
    const { env, game } = setup();
    game.paddleX = 7;
    placeBall(game, 1, 8, DOWN_RIGHT);
    const r = env.step(NOOP);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.reward).toBe(0);
    expect(() => env.step(NOOP)).toThrow(/after the episode ended/);
  });

  it('is truncated at 10,000 steps by make()', () => {
    expect(make('MinAtar/Breakout-v1').spec?.maxEpisodeSteps).toBe(10_000);
  });
});
