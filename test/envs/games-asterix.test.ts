// MinAtar Asterix rules, set up through the game's public state.
import { describe, expect, it } from 'vitest';
import { AsterixEnv, make, type Env } from '../../envs/index.js';

// Minimal action set: noop, left, up, right, down.
const NOOP = 0;
const LEFT = 1;
const UP = 2;
const DOWN = 4;

function setup(kwargs: Record<string, unknown> = {}): { env: Env<Uint8Array, number>; game: AsterixEnv['game'] } {
  const env = make<Uint8Array, number>('MinAtar/Asterix-v1', { stickyActionProb: 0, ...kwargs });
  env.reset({ seed: 0 });
  const game = (env.unwrapped as AsterixEnv).game;
  game.spawnTimer = 1000; // no spawns unless a test asks
  return { env, game };
}

/** Puts an entity in lane `row` (slot row − 1). */
function place(game: AsterixEnv['game'], row: number, x: number, right: boolean, gold: boolean): void {
  const i = row - 1;
  game.alive[i] = 1;
  game.entX[i] = x;
  game.movesRight[i] = right ? 1 : 0;
  game.gold[i] = gold ? 1 : 0;
}

describe('MinAtar/Asterix-v1', () => {
  it('gives +1 when the player steps onto gold, and removes it', () => {
    const { env, game } = setup();
    game.moveTimer = 3;
    place(game, 5, 4, false, true);
    const r = env.step(LEFT);
    expect([game.playerX, game.playerY]).toEqual([4, 5]);
    expect(r.reward).toBe(1);
    expect(game.alive[4]).toBe(0);
    expect(r.terminated).toBe(false);
    expect(r.observation[(5 * 10 + 4) * 4 + 3]).toBe(0);
  });

  it('gives +1 when gold moves into the player', () => {
    const { env, game } = setup();
    game.moveTimer = 0;
    place(game, 5, 6, false, true);
    const r = env.step(NOOP);
    expect(r.reward).toBe(1);
    expect(game.alive[4]).toBe(0);
  });

  it('ends the game when an enemy reaches the player', () => {
    const { env, game } = setup();
    game.moveTimer = 0;
    place(game, 5, 4, true, false);
    const r = env.step(NOOP);
    expect(game.entX[4]).toBe(5);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(0);
  });

  it('moves entities every moveInterval frames and drops them off the edge', () => {
    const { env, game } = setup();
    game.moveTimer = 0;
    place(game, 2, 9, true, false);
    place(game, 3, 1, false, true);
    env.step(NOOP);
    expect(game.alive[1]).toBe(0);
    expect(game.entX[2]).toBe(0);
    for (let t = 0; t < 4; t++) env.step(NOOP);
    expect(game.entX[2]).toBe(0);
    env.step(NOOP);
    expect(game.alive[2]).toBe(0);
  });

  it('keeps the player on rows 1..8', () => {
    const { env, game } = setup();
    game.moveTimer = 1000;
    game.playerY = 1;
    env.step(UP);
    expect(game.playerY).toBe(1);
    game.playerY = 8;
    env.step(DOWN);
    expect(game.playerY).toBe(8);
  });

  it('spawns an enemy or gold at a side of a free lane when the spawn timer runs out', () => {
    const { env, game } = setup();
    game.spawnTimer = 0;
    game.moveTimer = 1000;
    const r = env.step(NOOP);
    expect([...game.alive].reduce((a, b) => a + b, 0)).toBe(1);
    const i = game.alive.indexOf(1);
    expect(game.entX[i]).toBe(game.movesRight[i] ? 0 : 9);
    expect(game.spawnTimer).toBe(game.spawnInterval - 1);
    const ch = game.gold[i] ? 3 : 1;
    expect(r.observation[((i + 1) * 10 + game.entX[i]!) * 4 + ch]).toBe(1);
  });

  it('ramps spawns every level and moves every other level, only with difficultyRamping', () => {
    const { env, game } = setup();
    game.rampTimer = -1;
    let r = env.step(NOOP);
    expect([game.spawnInterval, game.moveInterval, game.rampIndex, r.info.ramp]).toEqual([9, 5, 1, 1]);
    game.rampTimer = -1;
    r = env.step(NOOP);
    expect([game.spawnInterval, game.moveInterval, game.rampIndex, r.info.ramp]).toEqual([8, 4, 2, 2]);
    expect(game.rampTimer).toBe(100);

    const flat = setup({ difficultyRamping: false }).game;
    const flatEnv = setup({ difficultyRamping: false });
    flatEnv.game.rampTimer = -1;
    flatEnv.env.step(NOOP);
    expect([flatEnv.game.spawnInterval, flatEnv.game.moveInterval, flatEnv.game.rampIndex]).toEqual([10, 5, 0]);
    expect(flat.ramping).toBe(false);
  });
});
