import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Box,
  ClipAction,
  Dict,
  Discrete,
  EnvGuard,
  NormalizeObservation,
  NormalizeReward,
  PixelObservation,
  RecentValues,
  RecordEpisodeStatistics,
  RecordVideo,
  RescaleAction,
  RunningMeanStd,
  TimeLimit,
  TransformObservation,
  TransformReward,
  cappedCubicVideoSchedule,
  encodeGif,
  type EpisodeStatistics,
  type Frame,
  type PixelStateObservation,
} from '../../envs/index.js';
import { CounterEnv, PointEnv } from '../fixtures/envs.js';
import { decodeGif } from '../fixtures/gifDecode.js';

const tmpRoot = mkdtempSync(join(tmpdir(), 'pixelgym-wrappers-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

/** Closed-form running statistics with Gymnasium's prior (mean 0, var 1, count ε = 1e-4) merged with samples xs. */
function expectedMoments(xs: number[]): { mean: number; variance: number } {
  const eps = 1e-4;
  const n = xs.length;
  const mB = xs.reduce((a, b) => a + b, 0) / n;
  const ssB = xs.reduce((a, x) => a + (x - mB) ** 2, 0);
  const total = eps + n;
  return { mean: (n * mB) / total, variance: (eps * 1 + ssB + (mB * mB * eps * n) / total) / total };
}

describe('RecordEpisodeStatistics', () => {
  it('puts { r, l, t } into info at the last step only and keeps queues of recent episodes', () => {
    const env = new RecordEpisodeStatistics(new CounterEnv({ length: 6 }), { bufferLength: 2 });
    const returns: number[] = [];
    const lengths: number[] = [];
    env.reset({ seed: 4 });
    for (let ep = 0; ep < 3; ep++) {
      let ret = 0;
      let len = 0;
      for (;;) {
        const action = len % 2; // alternate, so the return is not the length
        const r = env.step(action);
        ret += r.reward;
        len++;
        if (!r.terminated) {
          expect(r.info.episode).toBeUndefined();
          continue;
        }
        const stats = r.info.episode as EpisodeStatistics;
        expect(stats.r).toBe(ret);
        expect(stats.l).toBe(len);
        expect(stats.t).toBeGreaterThanOrEqual(0);
        expect(stats.t).toBeLessThan(5);
        break;
      }
      returns.push(ret);
      lengths.push(len);
      env.reset();
    }
    expect(env.episodeCount).toBe(3);
    expect(env.returnQueue.toArray()).toEqual(returns.slice(1));
    expect(env.lengthQueue.toArray()).toEqual(lengths.slice(1));
    expect(env.timeQueue.length).toBe(2);
    expect(env.returnQueue.mean()).toBeCloseTo((returns[1]! + returns[2]!) / 2, 12);
  });

  it('refuses to overwrite an existing stats key', () => {
    const env = new RecordEpisodeStatistics(new RecordEpisodeStatistics(new CounterEnv({ length: 1 })));
    env.reset({ seed: 0 });
    expect(() => env.step(1)).toThrow(/info already has a 'episode' key/);
    const ok = new RecordEpisodeStatistics(new RecordEpisodeStatistics(new CounterEnv({ length: 1 })), { statsKey: 'outer' });
    ok.reset({ seed: 0 });
    const r = ok.step(1);
    expect(r.info.outer).toMatchObject({ r: 1, l: 1 });
    expect(r.info.episode).toMatchObject({ r: 1, l: 1 });
  });
});

describe('RecentValues and RunningMeanStd', () => {
  it('RecentValues keeps the last n in order', () => {
    const q = new RecentValues(3);
    expect(q.mean()).toBeNaN();
    for (const v of [1, 2, 3, 4, 5]) q.push(v);
    expect(q.toArray()).toEqual([3, 4, 5]);
    expect(q.mean()).toBe(4);
    expect(() => new RecentValues(0)).toThrow(RangeError);
  });

  it('RunningMeanStd matches the closed form, one sample at a time or as batch moments', () => {
    const xs = [0.5, -2, 3.25, 7, 1, 1, -0.75];
    const rms = new RunningMeanStd(1);
    for (const x of xs) rms.update([x]);
    const want = expectedMoments(xs);
    expect(rms.mean[0]).toBeCloseTo(want.mean, 10);
    expect(rms.var[0]).toBeCloseTo(want.variance, 10);
    const batch = new RunningMeanStd(1);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    batch.updateFromMoments([m], [xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length], xs.length);
    expect(batch.mean[0]).toBeCloseTo(rms.mean[0]!, 10);
    expect(batch.var[0]).toBeCloseTo(rms.var[0]!, 10);
    expect(() => rms.update([1, 2])).toThrow(/expected 1 values/);
  });
});

describe('action wrappers', () => {
  it('ClipAction clips into the inner Box, widens the action space, lets NaN reach the guard', () => {
    const point = new PointEnv();
    const env = new ClipAction(new EnvGuard(point));
    expect(env.actionSpace.contains(Float32Array.of(50, -50))).toBe(true);
    expect(String(env.actionSpace)).toBe('Box(-Infinity, Infinity, (2,), float32)');
    env.reset({ seed: 0 });
    env.step([5, -3]);
    env.step([0.25, -0.5]);
    expect(point.received).toEqual([
      [1, -1],
      [0.25, -0.5],
    ]);
    expect(() => env.step([NaN, 0])).toThrow(/non-finite value \(NaN\)/);
    expect(() => env.step([0])).toThrow(/action has 1 values/);
    expect(point.stepCalls).toBe(2);
    expect(() => new ClipAction(new CounterEnv() as never)).toThrow(/needs a Box action space, got Discrete\(2\)/);
  });

  it('RescaleAction maps [min, max] affinely onto [low, high]', () => {
    const point = new PointEnv();
    const env = new RescaleAction(point, 0, [10, 4]);
    expect(String(env.actionSpace)).toBe('Box(0, [10, 4], (2,), float32)');
    env.reset({ seed: 0 });
    env.step([0, 0]);
    env.step([10, 4]);
    env.step([2.5, 3]);
    env.step([20, -4]); // outside: clipped to the inner bounds
    expect(point.received).toEqual([
      [-1, -1],
      [1, 1],
      [-0.5, 0.5],
      [1, -1],
    ]);
    expect(() => new RescaleAction(new PointEnv(), 1, 1)).toThrow(/minAction\[0\]=1 must be below maxAction\[0\]=1/);
    expect(() => new RescaleAction(new PointEnv(), [0, 0, 0], 1)).toThrow(/minAction has 3 values/);
    expect(() => new RescaleAction(new PointEnv(), -Infinity, 1)).toThrow(/must be finite/);
  });
});

describe('NormalizeObservation', () => {
  it("standardizes by Gymnasium's running statistics, returns fresh float32 arrays, and freezes on request", () => {
    const point = new PointEnv();
    const env = new NormalizeObservation(point);
    expect(String(env.observationSpace)).toBe('Box(-Infinity, Infinity, (4,), float32)');
    const raw: Float32Array[] = [];
    const outs: Float32Array[] = [];
    let r = env.reset({ seed: 9 });
    const rawObs = () => Float32Array.of(point.x, point.y, point.vx, point.vy);
    raw.push(rawObs());
    outs.push(r.observation);
    for (let i = 0; i < 20; i++) {
      const s = env.step(Float32Array.of(1, -0.5));
      raw.push(rawObs());
      outs.push(s.observation);
    }
    for (let k = 0; k < 4; k++) {
      const xs = raw.map((o) => o[k]!);
      const want = expectedMoments(xs);
      expect(env.rms.mean[k]).toBeCloseTo(want.mean, 6);
      expect(env.rms.var[k]).toBeCloseTo(want.variance, 6);
      // The last output was normalized with the statistics after its own update.
      const last = (xs[xs.length - 1]! - want.mean) / Math.sqrt(want.variance + 1e-8);
      expect(outs[outs.length - 1]![k]).toBeCloseTo(last, 4);
    }
    expect(outs[0]).toBeInstanceOf(Float32Array);
    expect(outs[0]).not.toBe(outs[1]);

    env.updateRunningMean = false;
    const frozenMean = Float64Array.from(env.rms.mean);
    const count = env.rms.count;
    r = env.reset({ seed: 1 });
    env.step(Float32Array.of(0, 0));
    expect(Array.from(env.rms.mean)).toEqual(Array.from(frozenMean));
    expect(env.rms.count).toBe(count);
    expect(() => new NormalizeObservation(new CounterEnv() as never)).toThrow(/needs a Box observation space/);
  });
});

describe('NormalizeReward', () => {
  it("divides rewards by the std of the discounted return, Gymnasium's way (zeroed at the terminal step)", () => {
    const env = new NormalizeReward(new CounterEnv({ length: 4 }), { gamma: 0.9 });
    env.reset({ seed: 2 }); // starts at count 0..2
    const gs: number[] = [];
    let g = 0;
    const actions = [1, 0, 1, 1, 1, 0, 1, 1, 1];
    for (const a of actions) {
      const r = env.step(a);
      // G ← γ·G·(1 − terminated) + r: at the terminal step G restarts from r alone.
      g = g * 0.9 * (r.terminated ? 0 : 1) + a;
      gs.push(g);
      const want = a / Math.sqrt(expectedMoments(gs).variance + 1e-8);
      expect(r.reward).toBeCloseTo(want, 9);
      expect(env.discountedReward).toBeCloseTo(g, 12);
      if (r.terminated) env.reset();
    }
    env.updateRunningMean = false;
    const v = env.rms.var[0];
    env.step(1);
    expect(env.rms.var[0]).toBe(v);
    expect(() => new NormalizeReward(new CounterEnv(), { gamma: 1.5 })).toThrow(/gamma must lie in \[0, 1\]/);
  });
});

describe('TransformObservation and TransformReward', () => {
  it('map observations (with a new space) and rewards', () => {
    const env = new TransformReward(
      new TransformObservation(new CounterEnv({ length: 3 }), (n: number) => n * 2, new Discrete(7)),
      (r) => r * 10 - 1,
    );
    expect(String(env.observationSpace)).toBe('Discrete(7)');
    const first = env.reset({ seed: 0 }).observation;
    const inner = (env.unwrapped as CounterEnv).count;
    expect(first).toBe(inner * 2);
    const s = env.step(1);
    expect(s.observation).toBe((inner + 1) * 2);
    expect(s.reward).toBe(9);
    expect(env.step(0).reward).toBe(-1);
    expect(() => new TransformReward(new CounterEnv(), 3 as never)).toThrow(/expected a function/);
    // Without a new space the inner one is kept.
    expect(new TransformObservation(new CounterEnv({ length: 3 }), (n: number) => n).observationSpace).toBeInstanceOf(Discrete);
  });
});

describe('PixelObservation', () => {
  it('makes the rendered frame the observation: a uint8 HWC Box, fresh each step', () => {
    const counter = new CounterEnv({ length: 5 });
    const env = new PixelObservation<number>(counter);
    expect(env.observationSpace).toBeInstanceOf(Box);
    expect(env.observationSpace.shape).toEqual([4, 8, 3]);
    const a = env.reset({ seed: 0 }).observation;
    const b = env.step(1).observation;
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(4 * 8 * 3);
    expect(env.observationSpace.contains(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(Array.from(b)).toEqual(Array.from(counter.render()!.data));
  });

  it('keeps the state too as a Dict { pixels, state }', () => {
    const env = new PixelObservation<number, PixelStateObservation<number>>(new CounterEnv({ length: 5 }), { keepState: true });
    expect(env.observationSpace).toBeInstanceOf(Dict);
    const { observation } = env.reset({ seed: 0 });
    expect(observation.state).toBe((env.unwrapped as CounterEnv).count);
    expect(observation.pixels.length).toBe(96);
    expect(env.observationSpace.contains(observation)).toBe(true);
  });

  it('rejects envs that do not render and frames of the wrong size', () => {
    const blind = new TransformObservation(new CounterEnv(), (n: number) => n);
    blind.render = () => null;
    expect(() => new PixelObservation(blind)).toThrow(/does not render/);
    const wrong = new PixelObservation<number>(new CounterEnv(), { width: 10, height: 4 });
    expect(() => wrong.reset({ seed: 0 })).toThrow(/8×4 frame, the observation space is 10×4/);
  });
});

describe('RecordVideo', () => {
  it('records triggered episodes to GIFs that decode to the rendered frames, atomically', () => {
    const folder = join(tmpRoot, 'video');
    const counter = new CounterEnv({ length: 3 });
    const rendered = new Map<number, Frame[]>();
    const env = new RecordVideo(new TimeLimit(counter, 100), { folder, episodeTrigger: (e) => e % 2 === 0, scale: 2, namePrefix: 'ctr' });
    for (let ep = 0; ep < 4; ep++) {
      const frames: Frame[] = [];
      env.reset(ep === 0 ? { seed: 1 } : undefined);
      frames.push(counter.render()!);
      let done = false;
      while (!done) {
        const r = env.step(1);
        frames.push(counter.render()!);
        done = r.terminated || r.truncated;
      }
      rendered.set(ep, frames);
    }
    expect(readdirSync(folder).sort()).toEqual(['ctr-episode-0.gif', 'ctr-episode-2.gif']);
    expect(env.written).toEqual([join(folder, 'ctr-episode-0.gif'), join(folder, 'ctr-episode-2.gif')]);
    for (const ep of [0, 2]) {
      const gif = decodeGif(readFileSync(join(folder, `ctr-episode-${ep}.gif`)));
      expect([gif.width, gif.height]).toEqual([16, 8]);
      expect(gif.loops).toBe(0);
      const frames = rendered.get(ep)!;
      expect(gif.frames.length).toBe(frames.length);
      gif.frames.forEach((f, i) => {
        expect(f.delayCs).toBe(20); // renderFps 5
        // Scaled 2×: pixel (x, y) of the GIF is pixel (x/2, y/2) of the frame.
        const src = frames[i]!;
        for (const [x, y] of [
          [0, 0],
          [15, 7],
          [9, 3],
        ] as const) {
          const s = ((y >> 1) * src.width + (x >> 1)) * 3;
          expect(Array.from(f.rgb.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3))).toEqual(Array.from(src.data.subarray(s, s + 3)));
        }
      });
    }
    // An episode cut short by close() is written too; closing twice is harmless.
    env.reset();
    env.step(0);
    env.close();
    env.close();
    expect(readdirSync(folder).sort()).toEqual(['ctr-episode-0.gif', 'ctr-episode-2.gif', 'ctr-episode-4.gif']);
    expect(decodeGif(readFileSync(join(folder, 'ctr-episode-4.gif'))).frames.length).toBe(2);
    expect(() => env.step(0)).toThrow(/closed/);
  });

  it("follows Gymnasium's capped cubic schedule by default and validates its options", () => {
    const picked = Array.from({ length: 3001 }, (_, i) => i).filter(cappedCubicVideoSchedule);
    expect(picked).toEqual([0, 1, 8, 27, 64, 125, 216, 343, 512, 729, 1000, 2000, 3000]);
    expect(() => new RecordVideo(new CounterEnv(), { folder: '' })).toThrow(/folder/);
    expect(() => new RecordVideo(new CounterEnv(), { folder: join(tmpRoot, 'x'), fps: 0 })).toThrow(/fps/);
    expect(() => new RecordVideo(new CounterEnv(), { folder: join(tmpRoot, 'x'), scale: 1.5 })).toThrow(/scale/);
  });

  it('encodeGif is exact for flat frames, quantizes rich ones, and rejects mismatched frames', () => {
    const w = 20;
    const h = 20;
    const rich = new Uint8Array(w * h * 3);
    for (let i = 0; i < w * h; i++) rich.set([i % 256, (i * 7) % 256, (i * 13) % 256], i * 3); // 400 colors
    const gif = decodeGif(encodeGif([{ width: w, height: h, data: rich }], { fps: 10 }));
    expect(gif.frames.length).toBe(1);
    let err = 0;
    for (let i = 0; i < rich.length; i++) err += Math.abs(gif.frames[0]!.rgb[i]! - rich[i]!);
    expect(err / rich.length).toBeLessThan(24); // quantized to 256 colors: close, not exact
    expect(() => encodeGif([], { fps: 10 })).toThrow(/no frames/);
    expect(() =>
      encodeGif(
        [
          { width: 2, height: 2, data: new Uint8Array(12) },
          { width: 3, height: 2, data: new Uint8Array(18) },
        ],
        { fps: 10 },
      ),
    ).toThrow(/frame 1 is 3×2, the first frame is 2×2/);
    expect(existsSync(join(tmpRoot, 'video'))).toBe(true);
    expect(readdirSync(join(tmpRoot, 'video')).some((f) => f.endsWith('.tmp'))).toBe(false);
  });
});

describe('Wrapper', () => {
  it('forwards spec, metadata and spaces, and prints its stack', () => {
    const inner = new CounterEnv();
    inner.spec = { id: 'Ctr-v0' };
    const env = new RecordEpisodeStatistics(new TimeLimit(inner, 5));
    expect(env.spec?.id).toBe('Ctr-v0');
    expect(env.metadata.renderFps).toBe(5);
    expect(env.actionSpace).toBe(inner.actionSpace);
    expect(env.unwrapped).toBe(inner);
    expect(env.find(TimeLimit)?.maxEpisodeSteps).toBe(5);
    expect(String(env)).toBe('<RecordEpisodeStatistics<TimeLimit<CounterEnv<Ctr-v0>>>>');
  });
});
