// MinAtar SpaceInvaders rules, set up through the game's public state.
import { describe, expect, it } from 'vitest';
import { SpaceInvadersEnv, make, type Env } from '../../envs/index.js';

// Minimal action set: noop, left, right, fire.
const NOOP = 0;
const LEFT = 1;
const FIRE = 3;

function setup(kwargs: Record<string, unknown> = {}): { env: Env<Uint8Array, number>; game: SpaceInvadersEnv['game'] } {
  const env = make<Uint8Array, number>('MinAtar/SpaceInvaders-v1', { stickyActionProb: 0, ...kwargs });
  env.reset({ seed: 0 });
  const game = (env.unwrapped as SpaceInvadersEnv).game;
  // Aliens hold still and hold fire unless a test asks.
  game.alienMoveTimer = 1000;
  game.alienShotTimer = 1000;
  return { env, game };
}

describe('MinAtar/SpaceInvaders-v1', () => {
  it('starts with a 4 × 6 block of aliens moving left and the cannon in column 5', () => {
    const env = make<Uint8Array, number>('MinAtar/SpaceInvaders-v1');
    const obs = env.reset({ seed: 0 }).observation;
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 10; x++) {
        const alien = y < 4 && x >= 2 && x < 8 ? 1 : 0;
        expect(obs[(y * 10 + x) * 6 + 1]).toBe(alien);
        expect(obs[(y * 10 + x) * 6 + 2]).toBe(alien); // alien_left
        expect(obs[(y * 10 + x) * 6 + 3]).toBe(0);
      }
    expect(obs[(9 * 10 + 5) * 6]).toBe(1);
  });

  it('gives +1 for shooting an alien and removes alien and bullet', () => {
    const { env, game } = setup();
    game.cannonX = 2;
    let total = 0;
    const rewards: number[] = [];
    let r = env.step(FIRE);
    rewards.push(r.reward);
    expect(r.observation[(8 * 10 + 2) * 6 + 4]).toBe(1); // the bullet is already one row up
    for (let t = 0; t < 5; t++) {
      r = env.step(NOOP);
      rewards.push(r.reward);
    }
    for (const x of rewards) total += x;
    expect(rewards).toEqual([0, 0, 0, 0, 0, 1]);
    expect(total).toBe(1);
    expect(game.aliens[3 * 10 + 2]).toBe(0);
    expect(game.alienCount()).toBe(23);
    expect([...game.friendlyBullets].every((b) => b === 0)).toBe(true);
  });

  it('ends the game when an alien bullet reaches the cannon', () => {
    const { env, game } = setup();
    game.enemyBullets[8 * 10 + 5] = 1;
    const r = env.step(NOOP);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(0);
  });

  it('lets the cannon dodge a bullet by moving out of its column', () => {
    const { env, game } = setup();
    game.enemyBullets[8 * 10 + 5] = 1;
    const r = env.step(LEFT);
    expect(r.terminated).toBe(false);
    expect(r.observation[(9 * 10 + 5) * 6 + 5]).toBe(1);
  });

  it('has the alien nearest the cannon fire from its lowest cell', () => {
    const { env, game } = setup();
    game.cannonX = 9;
    game.alienShotTimer = 0;
    env.step(NOOP);
    // Nearest occupied column to 9 is 7; its lowest alien is on row 3; the bullet appears there.
    expect(game.enemyBullets[3 * 10 + 7]).toBe(1);
    expect(game.alienShotTimer).toBe(9);
    expect(game.nearestAlien(0)).toBe(3 * 10 + 2);
  });

  it('moves the aliens sideways, then down and back at a wall', () => {
    const { env, game } = setup();
    game.alienMoveTimer = 0;
    env.step(NOOP);
    expect(game.aliens[0 * 10 + 1]).toBe(1);
    expect(game.aliens[0 * 10 + 7]).toBe(0);
    // Their interval is min(aliens left, moveInterval).
    expect(game.alienMoveTimer).toBe(11);
    game.alienMoveTimer = 0;
    env.step(NOOP);
    expect(game.aliens[0]).toBe(1);
    game.alienMoveTimer = 0;
    const r = env.step(NOOP);
    expect(game.alienDir).toBe(1);
    expect(game.aliens[0]).toBe(0);
    expect(game.aliens[4 * 10 + 0]).toBe(1);
    expect(r.observation[(4 * 10 + 0) * 6 + 3]).toBe(1); // alien_right now
  });

  it('speeds up as aliens are shot: the move interval is capped by the alien count', () => {
    const { env, game } = setup();
    game.aliens.fill(0);
    game.aliens[2 * 10 + 4] = 1;
    game.aliens[2 * 10 + 5] = 1;
    game.alienMoveTimer = 0;
    env.step(NOOP);
    expect(game.alienMoveTimer).toBe(1);
  });

  it('brings a new, faster wave when one is cleared (with ramping)', () => {
    for (const ramping of [true, false]) {
      const { env, game } = setup({ difficultyRamping: ramping });
      game.aliens.fill(0);
      game.aliens[5 * 10 + 5] = 1;
      game.friendlyBullets[6 * 10 + 5] = 1;
      const r = env.step(NOOP);
      expect(r.reward).toBe(1);
      expect(game.alienCount()).toBe(24);
      expect(game.moveInterval).toBe(ramping ? 11 : 12);
      expect(r.info.ramp).toBe(ramping ? 1 : 0);
    }
  });

  it('ends the game when the aliens reach the bottom row', () => {
    const { env, game } = setup();
    game.aliens.fill(0);
    game.aliens[9 * 10 + 0] = 1;
    game.cannonX = 9;
    game.alienMoveTimer = 0;
    expect(env.step(NOOP).terminated).toBe(true);
  });
});
