// MinAtar Seaquest rules, set up through the game's public state.
import { describe, expect, it } from 'vitest';
import { SeaquestEnv, make, type Env } from '../../envs/index.js';

// Minimal action set = full set: noop, left, up, right, down, fire.
const NOOP = 0;
const LEFT = 1;
const UP = 2;
const RIGHT = 3;
const FIRE = 5;

function setup(kwargs: Record<string, unknown> = {}): { env: Env<Uint8Array, number>; game: SeaquestEnv['game'] } {
  const env = make<Uint8Array, number>('MinAtar/Seaquest-v1', { stickyActionProb: 0, ...kwargs });
  env.reset({ seed: 0 });
  const game = (env.unwrapped as SeaquestEnv).game;
  // A quiet sea: nothing spawns unless a test asks; the sub starts submerged.
  game.enemySpawnTimer = 1000;
  game.diverSpawnTimer = 1000;
  game.subX = 5;
  game.subY = 4;
  game.surfaced = false;
  return { env, game };
}

describe('MinAtar/Seaquest-v1', () => {
  it('starts on the surface with full oxygen, drawn as a gauge on the bottom row', () => {
    const env = make<Uint8Array, number>('MinAtar/Seaquest-v1');
    const r = env.reset({ seed: 2 });
    const game = (env.unwrapped as SeaquestEnv).game;
    expect([game.subX, game.subY, game.oxygen, game.diverCount]).toEqual([5, 0, 200, 0]);
    expect(r.info).toMatchObject({ oxygen: 200, divers: 0, ramp: 0 });
    for (let x = 0; x < 10; x++) expect(r.observation[(90 + x) * 10 + 7]).toBe(1);
    expect(r.observation[5 * 10 + 0]).toBe(1); // sub front at (0, 5)
    expect(r.observation[6 * 10 + 1]).toBe(1); // facing left: its back is to the right
  });

  it('uses one unit of oxygen per frame under water and ends when it runs out', () => {
    const { env, game } = setup();
    game.oxygen = 2;
    let r = env.step(NOOP);
    expect(game.oxygen).toBe(1);
    expect(r.terminated).toBe(false);
    r = env.step(NOOP);
    expect(game.oxygen).toBe(0);
    expect(r.terminated).toBe(false);
    r = env.step(NOOP);
    expect(r.terminated).toBe(true);
  });

  it('surfacing with divers refills oxygen, drops one diver and ramps the difficulty', () => {
    const { env, game } = setup();
    game.subY = 1;
    game.oxygen = 50;
    game.diverCount = 2;
    const r = env.step(UP);
    expect(game.subY).toBe(0);
    expect(r.reward).toBe(0);
    expect(r.terminated).toBe(false);
    expect([game.oxygen, game.diverCount, game.rampIndex, game.enemySpawnInterval]).toEqual([200, 1, 1, 19]);
    // Staying on the surface pays out only once.
    const again = env.step(NOOP);
    expect([again.reward, game.diverCount, game.rampIndex]).toEqual([0, 1, 1]);
  });

  it('surfacing with six divers pays one point per tenth of oxygen left and empties the sub', () => {
    const { env, game } = setup();
    game.subY = 1;
    game.oxygen = 157;
    game.diverCount = 6;
    const r = env.step(UP);
    expect(r.reward).toBe(7);
    expect([game.oxygen, game.diverCount]).toEqual([200, 0]);
  });

  it('surfacing with no divers ends the game', () => {
    const { env, game } = setup();
    game.subY = 1;
    game.diverCount = 0;
    expect(env.step(UP).terminated).toBe(true);
  });

  it('does not ramp when difficultyRamping is false', () => {
    const { env, game } = setup({ difficultyRamping: false });
    game.subY = 1;
    game.diverCount = 3;
    env.step(UP);
    expect([game.rampIndex, game.enemySpawnInterval, game.moveInterval]).toEqual([0, 20, 5]);
  });

  it('picks up a diver the sub moves onto, up to six', () => {
    const { env, game } = setup();
    game.divers.push(6, 4, false, 3);
    let r = env.step(RIGHT);
    expect([game.diverCount, game.divers.count]).toEqual([1, 0]);
    expect(r.observation[(90 + 8) * 10 + 8]).toBe(1); // diver gauge fills from the right
    game.diverCount = 6;
    game.divers.push(7, 4, false, 3);
    r = env.step(RIGHT);
    expect([game.diverCount, game.divers.count]).toEqual([6, 1]);
  });

  it('gives +1 for shooting a fish; the bullet flies the way the sub faces', () => {
    const { env, game } = setup();
    game.facingRight = true;
    game.fish.push(8, 4, false, 10);
    let r = env.step(FIRE);
    expect(game.friendlyBullets.count).toBe(1);
    expect(game.friendlyBullets.x[0]).toBe(6);
    expect(r.observation[(4 * 10 + 6) * 10 + 2]).toBe(1);
    r = env.step(NOOP);
    expect(r.reward).toBe(0);
    r = env.step(NOOP);
    expect(r.reward).toBe(1);
    expect([game.fish.count, game.friendlyBullets.count]).toEqual([0, 0]);
  });

  it('lets the sub fire again only after the cool-down', () => {
    const { env, game } = setup();
    game.subX = 9;
    game.facingRight = false;
    env.step(FIRE);
    for (let t = 0; t < 4; t++) env.step(FIRE);
    expect(game.friendlyBullets.count).toBe(1);
    env.step(FIRE);
    expect(game.friendlyBullets.count).toBe(2);
  });

  it('ends the game when a fish swims into the sub', () => {
    const { env, game } = setup();
    game.fish.push(6, 4, false, 0);
    const r = env.step(NOOP);
    expect(r.terminated).toBe(true);
  });

  it('enemy subs shoot on their timer, and their bullets end the game', () => {
    const { env, game } = setup();
    game.enemySubs.push(9, 4, false, 100, 0);
    env.step(NOOP);
    expect(game.enemyBullets.count).toBe(1);
    expect(game.enemyBullets.x[0]).toBe(8);
    expect(game.enemySubs.shotTimer[0]).toBe(10);
    env.step(NOOP);
    const r = env.step(NOOP);
    expect(game.enemyBullets.x[0]).toBe(6);
    expect(r.terminated).toBe(false);
    expect(env.step(NOOP).terminated).toBe(true);
  });

  it('does not spawn an enemy into a lane with traffic the other way', () => {
    // Fill every lane with a right-moving fish, then spawn many times: no left-mover appears.
    const { env, game } = setup();
    game.subY = 0;
    game.surfaced = true;
    for (let y = 1; y <= 8; y++) game.fish.push(3, y, true, 1000);
    for (let t = 0; t < 30; t++) {
      game.enemySpawnTimer = 0;
      env.step(NOOP);
    }
    for (const list of [game.fish, game.enemySubs]) for (let i = 0; i < list.count; i++) expect(list.right[i]).toBe(1);
    expect(game.fish.count + game.enemySubs.count).toBeGreaterThan(8);
  });

  it('turns the sub to face the way it moves', () => {
    const { env, game } = setup();
    game.facingRight = true;
    env.step(LEFT);
    expect([game.subX, game.facingRight]).toEqual([4, false]);
  });
});
