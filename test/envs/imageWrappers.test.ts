import { describe, expect, it } from 'vitest';
import type { Env, EnvMetadata, Info, ResetOptions, ResetResult, StepResult } from '../../envs/core.js';
import { Rng } from '../../envs/rng.js';
import { Box } from '../../envs/spaces/box.js';
import { Discrete } from '../../envs/spaces/discrete.js';
import type { Space } from '../../envs/spaces/space.js';
import {
  ClipReward,
  EpisodicLife,
  FrameStack,
  Flicker,
  GrayscaleObservation,
  LazyFrames,
  MaxAndSkip,
  NoopReset,
  ResizeObservation,
  StickyActions,
  atariPreprocessing,
} from '../../envs/wrappers/image/index.js';

// ---------------------------------------------------------------------------------------------
// A synthetic pixel game whose every frame is a known function of (t, x): a 2 × 2 white square at
// column x on a background that changes with t. Actions: 0 stay, 1 right, 2 left. It reuses one
// output buffer (as envs rendering into `frameBuffer` do), so wrappers that keep frames must copy.

/** Background value at (y, x, c) for frame t: never 0 and never 255. */
function background(t: number, y: number, x: number, c: number): number {
  return ((t * 7 + y * 3 + x + c * 50) % 200) + 1;
}

function squareFrame(h: number, w: number, t: number, sx: number): Uint8Array {
  const out = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = y >= 1 && y <= 2 && x >= sx && x <= sx + 1 ? 255 : background(t, y, x, c);
  return out;
}

const REWARDS = [1, -2, 0.5, 0, 3];
/** Reward for arriving at frame t. */
const rewardAt = (t: number) => REWARDS[t % REWARDS.length]!;

interface SquareOptions {
  height?: number;
  width?: number;
  /** The game terminates at this frame. */
  maxSteps?: number;
  lives?: number;
  /** A life is lost at every multiple of this many frames. */
  lifeEvery?: number;
  reportLives?: boolean;
}

class SquareEnv implements Env<Uint8Array, number> {
  readonly observationSpace: Space<Uint8Array>;
  readonly actionSpace = new Discrete(3);
  readonly metadata: EnvMetadata = { renderFps: 30 };
  readonly h: number;
  readonly w: number;
  t = 0;
  x = 0;
  lives = 0;
  resets = 0;
  readonly actions: number[] = [];
  private readonly buffer: Uint8Array;

  constructor(private readonly opts: SquareOptions = {}) {
    this.h = opts.height ?? 6;
    this.w = opts.width ?? 8;
    this.observationSpace = new Box(0, 255, [this.h, this.w, 3], 'uint8') as unknown as Space<Uint8Array>;
    this.buffer = new Uint8Array(this.h * this.w * 3);
  }

  get unwrapped(): Env {
    return this as unknown as Env;
  }

  private frame(): Uint8Array {
    this.buffer.set(squareFrame(this.h, this.w, this.t, this.x));
    return this.buffer;
  }

  private info(): Info {
    return this.opts.reportLives === false ? { t: this.t } : { t: this.t, lives: this.lives };
  }

  reset(_opts?: ResetOptions): ResetResult<Uint8Array> {
    this.t = 0;
    this.x = 0;
    this.lives = this.opts.lives ?? 3;
    this.resets++;
    return { observation: this.frame(), info: this.info() };
  }

  step(action: number): StepResult<Uint8Array> {
    if (!this.actionSpace.contains(action)) throw new RangeError(`bad action ${action}`);
    this.actions.push(action);
    this.t++;
    if (action === 1) this.x = Math.min(this.w - 2, this.x + 1);
    if (action === 2) this.x = Math.max(0, this.x - 1);
    const every = this.opts.lifeEvery ?? 0;
    if (every > 0 && this.t % every === 0) this.lives--;
    const terminated = this.t >= (this.opts.maxSteps ?? 1_000_000) || (every > 0 && this.lives <= 0);
    return { observation: this.frame(), reward: rewardAt(this.t), terminated, truncated: false, info: this.info() };
  }

  render() {
    return null;
  }

  close(): void {}
}

/** An env that always shows one given image. */
function imageEnv(image: ArrayLike<number>, shape: number[]): Env<Uint8Array, number> {
  const obs = Uint8Array.from(image);
  return {
    observationSpace: new Box(0, 255, shape, 'uint8') as unknown as Space<Uint8Array>,
    actionSpace: new Discrete(1),
    metadata: { renderFps: 30 },
    reset: () => ({ observation: obs, info: {} }),
    step: () => ({ observation: obs, reward: 0, terminated: false, truncated: false, info: {} }),
    render: () => null,
    close: () => {},
    get unwrapped(): Env {
      return this as unknown as Env;
    },
  };
}

/** Elementwise max of two frames. */
function maxOf(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((v, i) => Math.max(v, b[i]!));
}

// ---------------------------------------------------------------------------------------------

describe('GrayscaleObservation', () => {
  const rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30, 0, 0, 0];

  it('uses ITU-R 601 luma, rounded', () => {
    const env = new GrayscaleObservation(imageEnv(rgb, [2, 3, 3]));
    // 0.299·255 = 76.2, 0.587·255 = 149.7, 0.114·255 = 29.1, 0.299·10 + 0.587·20 + 0.114·30 = 18.1
    expect(Array.from(env.reset().observation)).toEqual([76, 150, 29, 255, 18, 0]);
    expect(env.observationSpace.shape).toEqual([2, 3]);
    expect(env.observationSpace.dtype).toBe('uint8');
  });

  it('keepDim gives [H, W, 1]', () => {
    const env = new GrayscaleObservation(imageEnv(rgb, [2, 3, 3]), { keepDim: true });
    expect(env.observationSpace.shape).toEqual([2, 3, 1]);
    expect(env.observationSpace.contains(env.step(0).observation)).toBe(true);
  });

  it('rejects non-RGB input', () => {
    expect(() => new GrayscaleObservation(imageEnv([1, 2], [1, 2, 1]))).toThrow(/RGB/);
    const floats = { ...imageEnv([0], [1, 1, 3]), observationSpace: new Box(0, 1, [1, 1, 3]) as unknown as Space<Uint8Array> };
    expect(() => new GrayscaleObservation(floats)).toThrow(/uint8 Box/);
  });
});

describe('ResizeObservation', () => {
  const resize = (img: number[], shape: number[], out: [number, number], interpolation: 'area' | 'bilinear') => {
    const env = new ResizeObservation(imageEnv(img, shape), { shape: out, interpolation });
    return { obs: Array.from(env.reset().observation), shape: env.observationSpace.shape };
  };

  it('bilinear upsampling interpolates between pixel centres', () => {
    expect(resize([0, 100], [1, 2], [1, 4], 'bilinear').obs).toEqual([0, 25, 75, 100]);
    // 2×2 → 3×3: the centre samples the middle of all four pixels.
    expect(resize([0, 60, 120, 180], [2, 2], [3, 3], 'bilinear').obs).toEqual([0, 30, 60, 60, 90, 120, 120, 150, 180]);
  });

  it('bilinear halving averages 2×2 blocks, rounding half up', () => {
    const img = [0, 1, 10, 11, 0, 2, 10, 11, 200, 200, 7, 8, 100, 100, 9, 9];
    expect(resize(img, [4, 4], [2, 2], 'bilinear').obs).toEqual([1, 11, 150, 8]);
  });

  it('area is exact block averaging for integer factors', () => {
    const img = [0, 1, 10, 11, 0, 2, 10, 11, 200, 200, 7, 8, 100, 100, 9, 9];
    expect(resize(img, [4, 4], [2, 2], 'area').obs).toEqual([1, 11, 150, 8]);
    expect(resize([0, 0, 0, 0, 0, 0, 0, 0, 4], [3, 3], [1, 1], 'area').obs).toEqual([0]);
    expect(resize([0, 0, 0, 0, 0, 0, 0, 0, 5], [3, 3], [1, 1], 'area').obs).toEqual([1]);
    expect(resize([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3], [1, 1], 'area').obs).toEqual([5]);
  });

  it('area weighs partly covered pixels by their overlap', () => {
    // 6 → 4: each output covers 1.5 inputs.
    expect(resize([0, 30, 60, 90, 120, 150], [1, 6], [1, 4], 'area').obs).toEqual([10, 50, 100, 140]);
    // Upsampling 2 → 4 repeats pixels.
    expect(resize([0, 100], [1, 2], [1, 4], 'area').obs).toEqual([0, 0, 100, 100]);
  });

  it('resizes each channel and keeps the channel axis', () => {
    const img = [10, 0, 255, 20, 0, 255, 30, 100, 0, 40, 100, 1];
    const r = resize(img, [2, 2, 3], [1, 1], 'area');
    expect(r.shape).toEqual([1, 1, 3]);
    expect(r.obs).toEqual([25, 50, 128]);
    expect(resize([1, 2, 3, 4], [2, 2], [4, 4], 'area').shape).toEqual([4, 4]);
  });

  it('rejects bad shapes', () => {
    const env = imageEnv([0, 0, 0, 0], [2, 2]);
    expect(() => new ResizeObservation(env, { shape: [0, 2] })).toThrow(/shape/);
    expect(() => new ResizeObservation(env, { shape: [2] as unknown as [number, number] })).toThrow(/shape/);
    expect(() => new ResizeObservation(env, { shape: [2, 2], interpolation: 'cubic' as 'area' })).toThrow(/interpolation/);
  });
});

describe('FrameStack', () => {
  /** Channel slice j·C … (j+1)·C of every pixel of a stacked observation. */
  function frameAt(stacked: Uint8Array, j: number, k: number, channels: number): Uint8Array {
    const pixels = stacked.length / (k * channels);
    const out = new Uint8Array(pixels * channels);
    for (let p = 0; p < pixels; p++) for (let c = 0; c < channels; c++) out[p * channels + c] = stacked[p * k * channels + j * channels + c]!;
    return out;
  }

  it('stacks the k most recent frames along channels, oldest first, padding with the first frame', () => {
    const inner = new SquareEnv({ height: 4, width: 5 });
    const env = new FrameStack(inner, { stackSize: 3 });
    expect(env.observationSpace.shape).toEqual([4, 5, 9]);
    const first = env.reset().observation;
    for (let j = 0; j < 3; j++) expect(frameAt(first, j, 3, 3)).toEqual(squareFrame(4, 5, 0, 0));
    env.step(1);
    const second = env.step(1).observation;
    expect(frameAt(second, 0, 3, 3)).toEqual(squareFrame(4, 5, 0, 0));
    expect(frameAt(second, 1, 3, 3)).toEqual(squareFrame(4, 5, 1, 1));
    expect(frameAt(second, 2, 3, 3)).toEqual(squareFrame(4, 5, 2, 2));
    const third = env.step(2).observation;
    expect(frameAt(third, 0, 3, 3)).toEqual(squareFrame(4, 5, 1, 1));
    expect(frameAt(third, 2, 3, 3)).toEqual(squareFrame(4, 5, 3, 1));
    // A reset starts over with the new first frame repeated.
    const again = env.reset().observation;
    for (let j = 0; j < 3; j++) expect(frameAt(again, j, 3, 3)).toEqual(squareFrame(4, 5, 0, 0));
  });

  it('turns [H, W] frames into [H, W, k]', () => {
    const env = new FrameStack(new GrayscaleObservation(new SquareEnv({ height: 3, width: 4 })), { stackSize: 2 });
    expect(env.observationSpace.shape).toEqual([3, 4, 2]);
    env.reset();
    const obs = env.step(1).observation;
    // Pixel (0, 0): luma of frame 0 then of frame 1.
    const luma = (t: number) => Math.round(0.299 * background(t, 0, 0, 0) + 0.587 * background(t, 0, 0, 1) + 0.114 * background(t, 0, 0, 2));
    expect([obs[0], obs[1]]).toEqual([luma(0), luma(1)]);
  });

  it('never changes an observation it returned earlier', () => {
    const env = new FrameStack(new SquareEnv({ height: 4, width: 6 }), { stackSize: 4 });
    const kept: Uint8Array[] = [env.reset().observation];
    const copies = [kept[0]!.slice()];
    for (let i = 0; i < 10; i++) {
      const o = env.step(i % 3).observation;
      kept.push(o);
      copies.push(o.slice());
    }
    kept.forEach((o, i) => expect(o).toEqual(copies[i]));
    expect(new Set(kept).size).toBe(kept.length);
  });

  it('lazy: references shared frames, stores each frame once, materializes the same array', () => {
    const eager = new FrameStack(new SquareEnv({ height: 4, width: 6 }), { stackSize: 3 });
    const lazy = new FrameStack(new SquareEnv({ height: 4, width: 6 }), { stackSize: 3, lazy: true });
    const first = lazy.reset().observation;
    expect(first).toBeInstanceOf(LazyFrames);
    expect(first.shape).toEqual([4, 6, 9]);
    expect(first.length).toBe(3);
    expect(first.get(0)).toBe(first.get(2)); // the first frame is stored once, referenced three times
    expect(first.toArray()).toEqual(eager.reset().observation);
    const kept = [first];
    const snapshots = [first.toArray()];
    for (let i = 0; i < 8; i++) {
      const a = i % 3;
      const o = lazy.step(a).observation;
      expect(o.toArray()).toEqual(eager.step(a).observation);
      expect(o.get(2)).toEqual(squareFrame(4, 6, i + 1, (lazy.unwrapped as unknown as SquareEnv).x));
      // Consecutive stacks share the overlapping frames by reference.
      expect(o.get(0)).toBe(kept[kept.length - 1]!.get(1));
      expect(o.get(1)).toBe(kept[kept.length - 1]!.get(2));
      kept.push(o);
      snapshots.push(o.toArray());
    }
    kept.forEach((o, i) => expect(o.toArray()).toEqual(snapshots[i]));
    const out = new Uint8Array(4 * 6 * 9);
    expect(kept[3]!.toArray(out)).toBe(out);
    expect(out).toEqual(snapshots[3]);
    expect(() => kept[3]!.toArray(new Uint8Array(5))).toThrow(/needs/);
    expect(() => kept[3]!.get(3)).toThrow(/outside/);
  });

  it('rejects a bad stack size', () => {
    expect(() => new FrameStack(new SquareEnv(), { stackSize: 0 })).toThrow(/stackSize/);
  });
});

describe('MaxAndSkip', () => {
  it('repeats the action, sums rewards and maxes the last two frames', () => {
    const inner = new SquareEnv({ height: 5, width: 8 });
    const env = new MaxAndSkip(inner, { skip: 4 });
    expect(env.reset().observation).toEqual(squareFrame(5, 8, 0, 0));
    const r = env.step(1);
    expect(inner.actions).toEqual([1, 1, 1, 1]);
    expect(r.reward).toBe(rewardAt(1) + rewardAt(2) + rewardAt(3) + rewardAt(4));
    expect(r.observation).toEqual(maxOf(squareFrame(5, 8, 3, 3), squareFrame(5, 8, 4, 4)));
    expect(r.info).toMatchObject({ t: 4 });
    const r2 = env.step(0);
    expect(r2.observation).toEqual(maxOf(squareFrame(5, 8, 7, 4), squareFrame(5, 8, 8, 4)));
    expect(r2.reward).toBe(rewardAt(5) + rewardAt(6) + rewardAt(7) + rewardAt(8));
  });

  it('stops early when the episode ends', () => {
    const inner = new SquareEnv({ height: 4, width: 6, maxSteps: 6 });
    const env = new MaxAndSkip(inner, { skip: 4 });
    env.reset();
    env.step(2);
    const r = env.step(1);
    expect(inner.actions).toHaveLength(6);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(rewardAt(5) + rewardAt(6));
    expect(r.observation).toEqual(maxOf(squareFrame(4, 6, 5, 1), squareFrame(4, 6, 6, 2)));
  });

  it('returns fresh arrays and checks skip', () => {
    const env = new MaxAndSkip(new SquareEnv(), { skip: 2 });
    const a = env.reset().observation;
    const b = env.step(1).observation;
    expect(a).not.toBe(b);
    expect(a).toEqual(squareFrame(6, 8, 0, 0));
    expect(() => new MaxAndSkip(new SquareEnv(), { skip: 0 })).toThrow(/skip/);
  });
});

describe('StickyActions', () => {
  function run(seed: number, p: number, steps: number) {
    const inner = new SquareEnv();
    const env = new StickyActions(inner, { repeatActionProbability: p });
    env.reset({ seed });
    const agent = new Rng(1234);
    const wanted: number[] = [];
    for (let i = 0; i < steps; i++) {
      const a = agent.int(3);
      wanted.push(a);
      env.step(a);
    }
    return { wanted, executed: inner.actions };
  }

  it('repeats the previous action with probability p', () => {
    const { wanted, executed } = run(3, 0.25, 20_000);
    expect(executed[0]).toBe(wanted[0]);
    let chances = 0;
    let repeats = 0;
    let foreign = 0;
    for (let i = 1; i < wanted.length; i++) {
      if (executed[i] !== wanted[i] && executed[i] !== executed[i - 1]) foreign++;
      if (wanted[i] !== executed[i - 1]) {
        chances++;
        if (executed[i] === executed[i - 1]) repeats++;
      }
    }
    expect(foreign).toBe(0); // only ever the agent's action or the previous one
    expect(Math.abs(repeats / chances - 0.25)).toBeLessThan(0.02);
  });

  it('is seeded, and p = 0 / p = 1 are exact', () => {
    expect(run(9, 0.5, 500).executed).toEqual(run(9, 0.5, 500).executed);
    expect(run(9, 0.5, 500).executed).not.toEqual(run(10, 0.5, 500).executed);
    const none = run(1, 0, 200);
    expect(none.executed).toEqual(none.wanted);
    const all = run(1, 1, 200);
    expect(new Set(all.executed)).toEqual(new Set([all.wanted[0]]));
  });

  it('rejects a bad action before touching the env or the random stream', () => {
    const inner = new SquareEnv();
    const env = new StickyActions(inner, { repeatActionProbability: 0.5 });
    env.reset({ seed: 4 });
    env.step(1);
    expect(() => env.step(7)).toThrow(/outside the action space/);
    for (let i = 0; i < 50; i++) env.step(i % 3);
    // A twin that never saw the bad action executes exactly the same actions.
    const ref = new SquareEnv();
    const refEnv = new StickyActions(ref, { repeatActionProbability: 0.5 });
    refEnv.reset({ seed: 4 });
    refEnv.step(1);
    for (let i = 0; i < 50; i++) refEnv.step(i % 3);
    expect(inner.actions).toEqual(ref.actions);
    expect(() => new StickyActions(inner, { repeatActionProbability: 2 })).toThrow(/repeatActionProbability/);
  });
});

describe('ClipReward', () => {
  const rewards = (env: Env<Uint8Array, number>) => {
    env.reset();
    return Array.from({ length: 5 }, () => env.step(0).reward);
  };

  it('signs by default, clips to [min, max] when given', () => {
    expect(rewards(new SquareEnv())).toEqual([-2, 0.5, 0, 3, 1]);
    expect(rewards(new ClipReward(new SquareEnv()))).toEqual([-1, 1, 0, 1, 1]);
    expect(rewards(new ClipReward(new SquareEnv(), { min: -1, max: 1 }))).toEqual([-1, 0.5, 0, 1, 1]);
    expect(rewards(new ClipReward(new SquareEnv(), { max: 0.5 }))).toEqual([-2, 0.5, 0, 0.5, 0.5]);
    expect(() => new ClipReward(new SquareEnv(), { min: 1, max: 0 })).toThrow(/min ≤ max/);
  });
});

describe('NoopReset', () => {
  it('takes 1..noopMax no-ops after reset, uniformly and seeded', () => {
    const inner = new SquareEnv();
    const env = new NoopReset(inner, { noopMax: 5 });
    const counts = [0, 0, 0, 0, 0, 0];
    env.reset({ seed: 21 });
    let mismatched = 0;
    for (let i = 0; i < 3000; i++) {
      const r = env.reset();
      if (r.info['t'] !== env.noopsAtReset) mismatched++;
      if (i < 50) expect(r.observation).toEqual(squareFrame(6, 8, env.noopsAtReset, 0));
      counts[env.noopsAtReset]!++;
    }
    expect(mismatched).toBe(0);
    expect(counts[0]).toBe(0);
    for (let n = 1; n <= 5; n++) expect(Math.abs(counts[n]! / 3000 - 0.2)).toBeLessThan(0.03);
    expect(inner.actions.every((a) => a === 0)).toBe(true);
    const seq = (seed: number) => {
      const e = new NoopReset(new SquareEnv(), { noopMax: 30 });
      return [e.reset({ seed }), e.reset(), e.reset()].map((r) => r.info['t']);
    };
    expect(seq(5)).toEqual(seq(5));
  });

  it('uses the configured no-op action and re-resets if the episode ends during no-ops', () => {
    const moving = new SquareEnv();
    const env = new NoopReset(moving, { noopMax: 3, noopAction: 1 });
    env.reset({ seed: 2 });
    expect(moving.x).toBe(env.noopsAtReset);
    const short = new SquareEnv({ maxSteps: 3 });
    const wrapped = new NoopReset(short, { noopMax: 30 });
    let sawReReset = false;
    for (let seed = 0; seed < 20; seed++) {
      const before = short.resets;
      const r = wrapped.reset({ seed });
      const n = wrapped.noopsAtReset;
      expect(short.resets - before).toBe(1 + Math.floor(n / 3));
      expect(r.info['t']).toBe(n % 3);
      if (n >= 3) sawReReset = true;
    }
    expect(sawReReset).toBe(true);
  });

  it('checks its options', () => {
    expect(() => new NoopReset(new SquareEnv(), { noopAction: 5 })).toThrow(/noopAction/);
    expect(() => new NoopReset(new SquareEnv(), { noopMax: -1 })).toThrow(/noopMax/);
    const off = new NoopReset(new SquareEnv(), { noopMax: 0 });
    expect(off.reset({ seed: 1 }).info['t']).toBe(0);
  });
});

describe('EpisodicLife', () => {
  it('a lost life ends the agent’s episode; the game goes on until it is over', () => {
    const inner = new SquareEnv({ lives: 3, lifeEvery: 4 });
    const env = new EpisodicLife(inner);
    expect(env.reset({ seed: 0 }).info).toEqual({ t: 0, lives: 3 });
    const ends: boolean[] = [];
    for (let i = 0; i < 4; i++) ends.push(env.step(1).terminated);
    expect(ends).toEqual([false, false, false, true]);
    expect(env.isGameOver).toBe(false);
    // Not a real reset: one no-op step, the game state carries on.
    const r = env.reset();
    expect(inner.resets).toBe(1);
    expect(r.info).toEqual({ t: 5, lives: 2 });
    expect(r.observation).toEqual(squareFrame(6, 8, 5, 4));
    for (let t = 6; t < 8; t++) expect(env.step(2).terminated).toBe(false);
    expect(env.step(2)).toMatchObject({ terminated: true, info: { t: 8, lives: 1 } });
    env.reset();
    for (let t = 10; t < 12; t++) expect(env.step(0).terminated).toBe(false);
    // The last life: the game itself ends, and the next reset is real.
    expect(env.step(0)).toMatchObject({ terminated: true, info: { lives: 0 } });
    expect(env.isGameOver).toBe(true);
    expect(env.reset().info).toEqual({ t: 0, lives: 3 });
    expect(inner.resets).toBe(2);
  });

  it('a seeded reset is always real; envs without info.lives are refused', () => {
    const inner = new SquareEnv({ lives: 3, lifeEvery: 2 });
    const env = new EpisodicLife(inner);
    env.reset();
    env.step(0);
    expect(env.step(0).terminated).toBe(true);
    expect(env.reset({ seed: 3 }).info).toEqual({ t: 0, lives: 3 });
    expect(inner.resets).toBe(2);
    expect(() => new EpisodicLife(new SquareEnv({ reportLives: false })).reset()).toThrow(/info\.lives/);
  });
});

describe('Flicker', () => {
  it('blanks observations with probability p, seeded', () => {
    const run = (seed: number, p: number, n: number) => {
      const env = new Flicker(new SquareEnv(), { probability: p });
      const blanks: boolean[] = [env.reset({ seed }).observation.every((v) => v === 0)];
      for (let i = 0; i < n; i++) {
        const o = env.step(i % 3).observation;
        const blank = o.every((v) => v === 0);
        if (!blank && i < 200) expect(o).toEqual(squareFrame(6, 8, i + 1, (env.unwrapped as unknown as SquareEnv).x));
        blanks.push(blank);
      }
      return blanks;
    };
    const b = run(8, 0.3, 5000);
    const rate = b.filter(Boolean).length / b.length;
    expect(Math.abs(rate - 0.3)).toBeLessThan(0.03);
    expect(run(8, 0.3, 300)).toEqual(b.slice(0, 301));
    expect(run(9, 0.3, 300)).not.toEqual(b.slice(0, 301));
    expect(run(1, 0, 200).some(Boolean)).toBe(false);
    expect(run(1, 1, 200).every(Boolean)).toBe(true);
    expect(() => new Flicker(new SquareEnv(), { probability: -0.1 })).toThrow(/probability/);
  });
});

describe('atariPreprocessing', () => {
  const game = () => new SquareEnv({ height: 210, width: 160, lives: 3, lifeEvery: 50, maxSteps: 400 });

  it('defaults give [84, 84, 4] uint8 observations', () => {
    const env = atariPreprocessing(game());
    expect(env.observationSpace.shape).toEqual([84, 84, 4]);
    const first = env.reset({ seed: 0 }).observation;
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first.length).toBe(84 * 84 * 4);
    const r = env.step(1);
    expect(env.observationSpace.contains(r.observation)).toBe(true);
  });

  it('composes in order: skip and max, grayscale, area resize, stack', () => {
    const inner = new SquareEnv({ height: 8, width: 8 });
    const env = atariPreprocessing(inner, { noopMax: 0, frameSkip: 2, screenSize: 4, frameStack: 2 });
    expect(env.observationSpace.shape).toEqual([4, 4, 2]);
    const expected = (frame: Uint8Array) => {
      const gray = Array.from({ length: 64 }, (_, p) => Math.round(0.299 * frame[p * 3]! + 0.587 * frame[p * 3 + 1]! + 0.114 * frame[p * 3 + 2]!));
      const out: number[] = [];
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++) {
          const s = gray[2 * y * 8 + 2 * x]! + gray[2 * y * 8 + 2 * x + 1]! + gray[(2 * y + 1) * 8 + 2 * x]! + gray[(2 * y + 1) * 8 + 2 * x + 1]!;
          out.push(Math.floor(s / 4 + 0.5));
        }
      return out;
    };
    const split = (o: Uint8Array, j: number) => Array.from({ length: 16 }, (_, p) => o[p * 2 + j]!);
    const o0 = env.reset().observation;
    expect(split(o0, 0)).toEqual(expected(squareFrame(8, 8, 0, 0)));
    expect(split(o0, 1)).toEqual(expected(squareFrame(8, 8, 0, 0)));
    const r = env.step(1);
    expect(r.reward).toBe(rewardAt(1) + rewardAt(2));
    expect(split(r.observation, 0)).toEqual(expected(squareFrame(8, 8, 0, 0)));
    expect(split(r.observation, 1)).toEqual(expected(maxOf(squareFrame(8, 8, 1, 1), squareFrame(8, 8, 2, 2))));
  });

  it('options: colour, other sizes, life loss and reward clipping', () => {
    expect(atariPreprocessing(game(), { grayscale: false }).observationSpace.shape).toEqual([84, 84, 12]);
    expect(atariPreprocessing(game(), { screenSize: [64, 48], frameStack: 1 }).observationSpace.shape).toEqual([64, 48, 1]);
    const env = atariPreprocessing(game(), { terminalOnLifeLoss: true, clipReward: true, noopMax: 0 });
    env.reset({ seed: 1 });
    let steps = 0;
    let r: StepResult<Uint8Array>;
    do {
      r = env.step(0);
      expect([-1, 0, 1]).toContain(r.reward);
      steps++;
    } while (!r.terminated && steps < 100);
    // A life goes every 50 frames, 4 frames a step: the episode ends at step 13, with lives left.
    expect(steps).toBe(13);
    expect(r.info['lives']).toBe(2);
    expect(() => atariPreprocessing(game(), { frameSkip: 0 })).toThrow(/skip/);
    expect(() => atariPreprocessing(game(), { noopMax: -2 })).toThrow(/noopMax/);
  });
});
