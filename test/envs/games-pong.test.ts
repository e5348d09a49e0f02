// The small Pong.
import { describe, expect, it } from 'vitest';
import { PONG_COURT, PONG_DOWN, PONG_NOOP, PONG_UP, PongEnv, make, type Env, type RectShape } from '../../envs/index.js';

function pong(kwargs: Record<string, unknown> = {}): { env: Env<Float32Array | Uint8Array, number>; raw: PongEnv } {
  const env = make<Float32Array | Uint8Array, number>('Pong-v0', kwargs);
  return { env, raw: env.unwrapped as PongEnv };
}

/** Moves the agent's paddle towards the ball, meeting it `aim` units from the paddle's centre. */
function track(raw: PongEnv, aim = 0): number {
  const gap = raw.ballY + 1 - aim - (raw.playerY + 7);
  return gap < -1 ? PONG_UP : gap > 1 ? PONG_DOWN : PONG_NOOP;
}

describe('Pong-v0', () => {
  it('scores −1 when the ball passes the agent, then serves from the centre', () => {
    const { env, raw } = pong();
    env.reset({ seed: 0 });
    raw.playerY = 0;
    raw.ballX = 76;
    raw.ballY = 70;
    raw.ballVX = 3;
    raw.ballVY = 0;
    let r = env.step(PONG_NOOP);
    expect(r.reward).toBe(0);
    for (let t = 0; t < 3 && r.reward === 0; t++) r = env.step(PONG_NOOP);
    expect(r.reward).toBe(-1);
    expect(r.info).toMatchObject({ playerScore: 0, opponentScore: 1, lives: 4 });
    expect([raw.ballX, raw.ballY]).toEqual([41, 41]);
    expect(Math.abs(raw.ballVX)).toBe(1.5);
  });

  it('scores +1 when the ball passes the opponent', () => {
    const { env, raw } = pong({ opponentSpeed: 0 });
    env.reset({ seed: 0 });
    raw.ballX = 10;
    raw.ballY = 2;
    raw.ballVX = -3;
    raw.ballVY = 0;
    let total = 0;
    let last = env.step(PONG_NOOP);
    total += last.reward;
    for (let t = 0; t < 4; t++) {
      last = env.step(PONG_NOOP);
      total += last.reward;
    }
    expect(total).toBe(1);
    expect(raw.playerScore).toBe(1);
  });

  it('returns the ball off the agent’s paddle faster, angled by where it hit', () => {
    const { env, raw } = pong();
    env.reset({ seed: 0 });
    raw.playerY = 35; // centre at 42
    raw.ballX = 75;
    raw.ballY = 41; // centre at 42
    raw.ballVX = 2;
    raw.ballVY = 0;
    env.step(PONG_NOOP);
    expect(raw.ballVX).toBeCloseTo(-2.2, 10);
    expect(raw.ballVY).toBeCloseTo(0, 10);
    expect(raw.ballX).toBeLessThanOrEqual(76);
    // Off the paddle's lower end the ball leaves steeply downwards.
    raw.playerY = 30;
    raw.ballX = 75;
    raw.ballY = 42;
    raw.ballVX = 2;
    raw.ballVY = 0;
    env.step(PONG_NOOP);
    expect(raw.ballVX).toBeLessThan(0);
    expect(raw.ballVY).toBeGreaterThan(1.5);
  });

  it('bounces the ball off the top and bottom walls', () => {
    const { env, raw } = pong();
    env.reset({ seed: 0 });
    raw.ballX = 40;
    raw.ballY = 1;
    raw.ballVX = 1;
    raw.ballVY = -2;
    env.step(PONG_NOOP);
    expect(raw.ballY).toBeCloseTo(1, 10);
    expect(raw.ballVY).toBe(2);
    raw.ballY = PONG_COURT - 3;
    env.step(PONG_NOOP);
    expect(raw.ballY).toBeCloseTo(PONG_COURT - 3, 10);
    expect(raw.ballVY).toBe(-2);
  });

  it('plays a whole game: first to winningScore ends it, rewards sum to the score difference', () => {
    for (const winningScore of [3, 5]) {
      const { env, raw } = pong({ winningScore, obsType: 'state' });
      env.reset({ seed: 4 });
      let sum = 0;
      let steps = 0;
      let r;
      do {
        r = env.step(track(raw));
        sum += r.reward;
        steps++;
      } while (!r.terminated && !r.truncated);
      expect(r.terminated).toBe(true);
      expect(Math.max(raw.playerScore, raw.opponentScore)).toBe(winningScore);
      expect(sum).toBe(raw.playerScore - raw.opponentScore);
      // The agent's paddle outruns the ball, so a tracking agent never misses; the opponent's does not.
      expect(raw.playerScore).toBe(winningScore);
      expect(r.info.lives).toBe(winningScore - raw.opponentScore);
      expect(steps).toBeLessThan(10_000);
    }
  });

  it('is deterministic per seed', () => {
    const trace = (seed: number) => {
      const { env, raw } = pong({ obsType: 'state' });
      env.reset({ seed });
      const out: number[] = [];
      for (let t = 0; t < 300; t++) {
        const r = env.step(t % 3);
        out.push(raw.ballX, raw.ballY, r.reward);
        if (r.terminated) break;
      }
      return out;
    };
    expect(trace(1)).toEqual(trace(1));
    expect(trace(1)).not.toEqual(trace(2));
  });

  it('draws paddles and ball from its scene into the rgb observation', () => {
    const { env, raw } = pong();
    expect(env.observationSpace.shape).toEqual([84, 84, 3]);
    let obs = env.reset({ seed: 2 }).observation as Uint8Array;
    for (let t = 0; t < 30; t++) {
      const scene = env.scene!();
      expect(scene.shapes.map((s) => s.kind)).toEqual(['opponent', 'player', 'ball']);
      expect(env.observationSpace.contains(obs)).toBe(true);
      for (const s of scene.shapes as RectShape[]) {
        // The court is 84 units, so at 84 × 84 a unit is a pixel: the shape's centre pixel has its colour.
        const px = Math.floor(s.x + s.w / 2);
        const py = Math.floor(s.y + s.h / 2);
        const i = (py * 84 + px) * 3;
        expect((obs[i]! << 16) | (obs[i + 1]! << 8) | obs[i + 2]!).toBe(s.color);
      }
      expect(obs[(1 * 84 + 42) * 3]).toBe(0);
      obs = env.step(track(raw)).observation as Uint8Array;
    }
    expect(make('Pong-v0', { width: 64, height: 48 }).observationSpace.shape).toEqual([48, 64, 3]);
  });

  it('offers a state-vector observation inside its space', () => {
    const { env, raw } = pong({ obsType: 'state' });
    let obs = env.reset({ seed: 0 }).observation;
    expect(obs).toBeInstanceOf(Float32Array);
    for (let t = 0; t < 500; t++) {
      expect(env.observationSpace.contains(obs)).toBe(true);
      const r = env.step(t % 3);
      if (r.terminated) break;
      obs = r.observation;
    }
    expect(raw.obsType).toBe('state');
  });

  it('binds arrow keys and rejects bad input', () => {
    const { env, raw } = pong();
    expect(env.keysToAction!()).toEqual({ '': PONG_NOOP, ArrowUp: PONG_UP, ArrowDown: PONG_DOWN });
    expect(() => make('Pong-v0', { winningScore: 0 })).toThrow(/winningScore/);
    expect(() => make('Pong-v0', { opponentSpeed: -1 })).toThrow(/opponentSpeed/);
    expect(() => make('Pong-v0', { obsType: 'ram' })).toThrow(/obsType/);
    env.reset({ seed: 0 });
    const before = [raw.ballX, raw.ballY, raw.playerY];
    expect(() => raw.step(-1)).toThrow(/outside the action space/);
    expect([raw.ballX, raw.ballY, raw.playerY]).toEqual(before);
    expect(make('Pong-v0').spec?.maxEpisodeSteps).toBe(10_000);
  });
});
