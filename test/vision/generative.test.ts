import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../agents/index.js';
import { make } from '../../envs/index.js';
import { Rng } from '../../envs/rng.js';
import { ResizeObservation } from '../../envs/wrappers/image/resize.js';
import { selectBackend } from '../../nets/backend.js';
import { gradCheckVariables } from '../../nets/gradcheck.js';
import { collectFrames } from '../../nets/vision/data/index.js';
import {
  ConvAutoencoder,
  ConvVae,
  DiscriminatorReward,
  EpisodicNoveltyReward,
  FrameGan,
  LearnedReward,
  NoveltyReward,
  RunningStats,
  demoTransitions,
  rocAuc,
  causalMask,
  MaskedConv2d,
  PixelCnn,
  pseudoCountBonus,
  pseudoCountFromGain,
  type FrameModel,
  type Transitions,
} from '../../nets/vision/generative/index.js';
import { DemonstrationRecorder, loadDemonstrations } from '../../play/demos.js';

const SIDE = 21;
const SHAPE = [SIDE, SIDE, 3] as const;
const PX = SIDE * SIDE * 3;

/** Frames as float [n, 21, 21, 3] in [0, 1]. */
function frames(id: string, n: number, seed: number): Float32Array {
  const ds = collectFrames(make(id), 'random', n, { seed, width: SIDE, height: SIDE });
  return Float32Array.from(ds.frames, (v) => v / 255);
}

function batchOf(data: Float32Array, idx: readonly number[]): tf.Tensor4D {
  const d = new Float32Array(idx.length * PX);
  idx.forEach((j, i) => d.set(data.subarray(j * PX, (j + 1) * PX), i * PX));
  return tf.tensor4d(d, [idx.length, ...SHAPE]);
}

function fit(model: FrameModel, data: Float32Array, steps: number, seed: number): number[] {
  const n = data.length / PX;
  const rng = new Rng(seed);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const x = batchOf(data, Array.from({ length: 16 }, () => rng.int(n)));
    losses.push(model.trainStep(x));
    x.dispose();
  }
  return losses;
}

function meanError(model: FrameModel, data: Float32Array): number {
  const x = tf.tensor4d(data, [data.length / PX, ...SHAPE]);
  const e = model.reconstructionError(x);
  x.dispose();
  return e.reduce((a, b) => a + b, 0) / e.length;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let catchTrain: Float32Array;
let catchHeld: Float32Array;
let breakout: Float32Array;
let ae: ConvAutoencoder;

beforeAll(async () => {
  await selectBackend('wasm');
  catchTrain = frames('Catch-v0', 240, 1);
  catchHeld = frames('Catch-v0', 40, 2);
  breakout = frames('MinAtar/Breakout-v1', 40, 3);
  ae = new ConvAutoencoder({ inputShape: SHAPE, latentSize: 16, seed: 1 });
  fit(ae, catchTrain, 150, 1);
}, 120_000);

describe('autoencoder and VAE', () => {
  it('the autoencoder reconstructs held-out Catch frames far better than Breakout frames', () => {
    const seen = meanError(ae, catchHeld);
    const unseen = meanError(ae, breakout);
    expect(unseen).toBeGreaterThan(2 * seen);
    const x = batchOf(catchHeld, [0, 1, 2]);
    const z = ae.encode(x);
    expect(z.shape).toEqual([3, 16]);
    tf.dispose([x, z]);
  });

  it('the VAE loss (reconstruction + β·KL) decreases, with a finite non-negative KL', () => {
    const vae = new ConvVae({ inputShape: SHAPE, latentSize: 8, beta: 1, seed: 2 });
    const x = batchOf(catchHeld, Array.from({ length: 16 }, (_, i) => i));
    const before = vae.evaluate(x);
    const losses = fit(vae, catchTrain, 80, 2);
    const after = vae.evaluate(x);
    expect(mean(losses.slice(-10))).toBeLessThan(0.7 * mean(losses.slice(0, 10)));
    expect(after.loss).toBeLessThan(before.loss);
    expect(after.kl).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(after.kl)).toBe(true);
    const z = vae.encode(x);
    expect(z.shape).toEqual([16, 8]);
    const s = vae.sample(2);
    expect(s.shape).toEqual([2, ...SHAPE]);
    tf.dispose([z, s]);
    // Training and evaluating leave no tensors behind.
    vae.trainStep(x);
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      vae.trainStep(x);
      vae.evaluate(x);
      vae.reconstructionError(x);
      tf.dispose(vae.encode(x));
    }
    expect(tf.memory().numTensors).toBe(n0);
    x.dispose();
    vae.dispose();
  });

  it('β scales the KL term in the loss', () => {
    const a = new ConvVae({ inputShape: SHAPE, latentSize: 4, beta: 1, seed: 5, noiseSeed: 9 });
    const b = new ConvVae({ inputShape: SHAPE, latentSize: 4, beta: 4, seed: 5, noiseSeed: 9 });
    const x = batchOf(catchHeld, [0, 1, 2, 3]);
    const la = a.evaluate(x);
    const lb = b.evaluate(x);
    expect(lb.kl).toBeCloseTo(la.kl, 4);
    expect(lb.loss - lb.recon).toBeCloseTo(4 * la.kl, 2);
    x.dispose();
    a.dispose();
    b.dispose();
  });
});

function smallCatch(): ResizeObservation {
  return new ResizeObservation(make('Catch-v0') as ConstructorParameters<typeof ResizeObservation>[0], { shape: [SIDE, SIDE] });
}

describe('novelty bonuses', () => {
  it('RunningStats matches the sample mean and standard deviation', () => {
    const s = new RunningStats();
    [2, 4, 4, 4, 5, 5, 7, 9].forEach((v) => s.push(v));
    expect(s.mean).toBeCloseTo(5, 10);
    expect(s.std).toBeCloseTo(Math.sqrt(32 / 7), 10);
  });

  it('NoveltyReward (frozen, pre-trained on Catch) pays more for Breakout frames than for Catch frames', () => {
    const env = new NoveltyReward(smallCatch(), ae, { training: 'frozen', beta: 1 });
    const u8 = (f: Float32Array, i: number) => Uint8Array.from(f.subarray(i * PX, (i + 1) * PX), (v) => Math.round(v * 255));
    const seen = mean(Array.from({ length: 10 }, (_, i) => env.error(u8(catchHeld, i))));
    const unseen = mean(Array.from({ length: 10 }, (_, i) => env.error(u8(breakout, i))));
    expect(unseen).toBeGreaterThan(2 * seen);
    env.reset({ seed: 0 });
    const r = env.step(1);
    expect(r.info['novelty']).toBeGreaterThan(0);
  });

  it('online NoveltyReward: familiar frames lose their bonus as the model trains', () => {
    const model = new ConvAutoencoder({ inputShape: SHAPE, latentSize: 8, seed: 3 });
    const env = new NoveltyReward(smallCatch(), model, { training: 'online', trainEvery: 1, batchSize: 16, seed: 1 });
    const first = env.reset({ seed: 4 }).observation.slice();
    const before = env.error(first);
    const rng = new Rng(5);
    for (let t = 0; t < 150; t++) {
      const r = env.step(rng.int(3));
      if (r.terminated || r.truncated) env.reset();
    }
    expect(Number.isFinite(env.lastLoss)).toBe(true);
    expect(env.error(first)).toBeLessThan(0.5 * before);
    model.dispose();
  }, 60_000);

  it('EpisodicNoveltyReward: a repeated embedding earns less than a new one, and reset clears the memory', () => {
    const env = new EpisodicNoveltyReward(smallCatch(), ae, { beta: 1, k: 5 });
    const { observation } = env.reset({ seed: 0 });
    expect(env.memorySize).toBe(1);
    const z0 = env.embed(observation);
    // Give the memory some spread first (the kernel normalizes by the mean neighbour distance).
    for (let i = 0; i < 6; i++) env.step(i % 3);
    const zNew = env.embed(Uint8Array.from(breakout.subarray(0, PX), (v) => Math.round(v * 255)));
    expect(env.bonusOf(zNew)).toBeGreaterThan(2 * env.bonusOf(z0));
    expect(env.memorySize).toBe(7);
    env.reset({ seed: 1 });
    expect(env.memorySize).toBe(1);
  });

  it('a DQN agent trains for 300 steps on Catch with the online novelty bonus (agents/train)', async () => {
    const model = new ConvAutoencoder({ inputShape: SHAPE, latentSize: 8, seed: 4 });
    const bonuses: number[] = [];
    const factory = () => {
      const w = new NoveltyReward(smallCatch(), model, { training: 'online', trainEvery: 8, beta: 0.05, seed: 2 });
      const step = w.step.bind(w);
      w.step = (a: number) => {
        const r = step(a);
        bonuses.push(r.info['novelty'] as number);
        return r;
      };
      return w;
    };
    const out = join(mkdtempSync(join(tmpdir(), 'pixelgym-novelty-')), 'run');
    const result = await train({
      algo: 'dqn',
      preset: 'catch',
      env: factory,
      config: { learningStarts: 100, explorationSteps: 200, batchSize: 16 },
      totalSteps: 300,
      evalEvery: 0,
      checkpointEvery: 0,
      out,
      seed: 0,
    });
    expect(bonuses.length).toBeGreaterThanOrEqual(300);
    expect(bonuses.every((b) => Number.isFinite(b) && b > 0)).toBe(true);
    expect(result).toBeDefined();
    model.dispose();
  }, 90_000);
});

describe('AUC', () => {
  it('matches hand-computed values, ties counting one half', () => {
    expect(rocAuc([3, 4], [1, 2])).toBe(1);
    expect(rocAuc([1, 2], [3, 4])).toBe(0);
    // Pairs (pos, neg): (2,1) win, (2,3) loss, (5,1) win, (5,3) win → 3/4.
    expect(rocAuc([2, 5], [1, 3])).toBe(0.75);
    // (1,1) tie ½, (1,0) win, (2,1) win, (2,0) win → 3.5/4.
    expect(rocAuc([1, 2], [1, 0])).toBe(0.875);
    expect(() => rocAuc([], [1])).toThrow();
  });
});

describe('GAN', () => {
  it('non-saturating training pulls generated frames toward the data', () => {
    const gan = new FrameGan({ inputShape: SHAPE, latentSize: 8, seed: 1 });
    const dataMean = mean(Array.from(catchTrain));
    const sampleMean = () => {
      const s = gan.sample(32);
      const m = s.mean().dataSync()[0]!;
      s.dispose();
      return m;
    };
    const gap0 = Math.abs(sampleMean() - dataMean);
    const rng = new Rng(7);
    let last = { discriminator: 0, generator: 0 };
    for (let t = 0; t < 60; t++) {
      const x = batchOf(catchTrain, Array.from({ length: 16 }, () => rng.int(catchTrain.length / PX)));
      last = gan.trainStep(x);
      x.dispose();
    }
    expect(Number.isFinite(last.discriminator) && Number.isFinite(last.generator)).toBe(true);
    expect(Math.abs(sampleMean() - dataMean)).toBeLessThan(0.5 * gap0);
    gan.dispose();
  });
});

describe('GAIL-style reward model', () => {
  const policyOf = (env: ResizeObservation) => () => {
    const u = env.unwrapped as unknown as { ballX: number; paddleX: number };
    return u.ballX < u.paddleX ? 0 : u.ballX > u.paddleX ? 2 : 1;
  };

  function expertDemos(episodes: number, seed: number, path: string): Transitions {
    const env = smallCatch();
    const act = policyOf(env);
    const rec = DemonstrationRecorder.forEnv(env);
    for (let e = 0; e < episodes; e++) {
      rec.beginEpisode(env.reset({ seed: seed + e }).observation);
      for (;;) {
        const a = act();
        const r = env.step(a);
        rec.addStep(a, r.reward, r.terminated, r.truncated, r.observation);
        if (r.terminated || r.truncated) break;
      }
    }
    rec.save(path);
    return demoTransitions(loadDemonstrations(path));
  }

  function randomPlay(steps: number, seed: number): Transitions {
    const env = smallCatch();
    const rng = new Rng(seed);
    const obs: Uint8Array[] = [];
    const actions: number[] = [];
    let o = env.reset({ seed }).observation;
    while (obs.length < steps) {
      const a = rng.int(3);
      obs.push(Uint8Array.from(o));
      actions.push(a);
      const r = env.step(a);
      o = r.terminated || r.truncated ? env.reset().observation : r.observation;
    }
    const observations = new Uint8Array(steps * PX);
    obs.forEach((x, i) => observations.set(x, i * PX));
    return { observations, actions: Int32Array.from(actions), count: steps };
  }

  it('separates held-out demonstrations from random play with AUC ≥ 0.9; its reward prefers the expert', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixelgym-gail-'));
    const expert = expertDemos(30, 100, join(dir, 'train.demo'));
    const expertHeld = expertDemos(8, 500, join(dir, 'held.demo'));
    const agent = randomPlay(270, 1);
    const agentHeld = randomPlay(72, 2);
    expect(expert.count).toBe(270); // Catch episodes are 9 steps
    const d = new DiscriminatorReward({ inputShape: SHAPE, numActions: 3, seed: 3, learningRate: 2e-3 });
    const rng = new Rng(4);
    const pick = (t: Transitions) => Array.from({ length: 32 }, () => rng.int(t.count));
    for (let s = 0; s < 200; s++) d.trainStep(expert, pick(expert), agent, pick(agent));
    const auc = rocAuc(d.probabilities(expertHeld), d.probabilities(agentHeld));
    expect(auc).toBeGreaterThanOrEqual(0.9);
    const re = mean(Array.from(d.rewards(expertHeld)));
    const ra = mean(Array.from(d.rewards(agentHeld)));
    expect(re).toBeGreaterThan(ra);
    // As an env reward: the scripted policy earns more learned reward than random actions.
    const env = new LearnedReward(smallCatch() as unknown as ConstructorParameters<typeof LearnedReward>[0], d);
    const act = policyOf(env.env as unknown as ResizeObservation);
    const episodeReturn = (choose: () => number, seed: number) => {
      env.reset({ seed });
      let total = 0;
      for (;;) {
        const r = env.step(choose());
        total += r.reward;
        if (r.terminated || r.truncated) return total;
      }
    };
    const r2 = new Rng(9);
    const expertReturn = mean([0, 1, 2, 3, 4].map((i) => episodeReturn(act, 900 + i)));
    const randomReturn = mean([0, 1, 2, 3, 4].map((i) => episodeReturn(() => r2.int(3), 900 + i)));
    expect(expertReturn).toBeGreaterThan(randomReturn);
    d.dispose();
  }, 60_000);

  it('the GAIL loop: DQN rewarded only by a discriminator trained online against it learns to catch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixelgym-gail-loop-'));
    const expert = expertDemos(30, 100, join(dir, 'train.demo'));
    const d = new DiscriminatorReward({ inputShape: SHAPE, numActions: 3, seed: 3, learningRate: 1e-3 });
    const wrappers: LearnedReward[] = [];
    const envRewards: number[] = [];
    const result = await train({
      algo: 'dqn',
      preset: 'catch',
      env: () => {
        const w = new LearnedReward(smallCatch() as unknown as ConstructorParameters<typeof LearnedReward>[0], d, { expert, updateEvery: 4, batchSize: 32, seed: 5 });
        const step = w.step.bind(w);
        w.step = (a: number) => {
          const r = step(a);
          envRewards.push(r.info['envReward'] as number);
          return r;
        };
        wrappers.push(w);
        return w;
      },
      // Judged by the task's own reward, which the agent never sees.
      evalEnv: () => smallCatch(),
      totalSteps: 10_000,
      evalEvery: 500,
      evalEpisodes: 20,
      stopAtReturn: 0.8,
      checkpointEvery: 0,
      out: join(dir, 'run'),
      seed: 0,
    });
    expect(wrappers[0]!.updates).toBeGreaterThan(100);
    expect(envRewards.some((r) => r !== 0)).toBe(true);
    // A random policy scores about −0.6 on Catch; imitation must catch most balls (seed 0 reached
    // 0.8 at 5.5k of the 10k steps).
    expect(result.bestMeanReturn!).toBeGreaterThanOrEqual(0.8);
    d.dispose();
    result.agent.dispose?.();
  }, 300_000);

  it('LearnedReward checks its options and the expert data before anything runs', () => {
    const d = new DiscriminatorReward({ inputShape: SHAPE, numActions: 3, seed: 1 });
    const env = smallCatch() as unknown as ConstructorParameters<typeof LearnedReward>[0];
    const bad = { observations: new Uint8Array(PX), actions: new Int32Array(2), count: 2 };
    expect(() => new LearnedReward(env, d, { expert: bad })).toThrow(/expert transitions/);
    const one = { observations: new Uint8Array(PX), actions: Int32Array.of(1), count: 1 };
    expect(() => new LearnedReward(env, d, { expert: one, updateEvery: 0 })).toThrow(/updateEvery must be a positive integer/);
    expect(() => new LearnedReward(env, d, { mode: 'double' as 'add' })).toThrow(/mode must be/);
    expect(() => new LearnedReward(env, d).step(0)).toThrow(/step before reset/);
    d.dispose();
  });
});

describe('PixelCNN', () => {
  it('mask A hides the centre and everything after it; mask B keeps the centre', () => {
    expect(Array.from(causalMask(3, 3, 1, 1, 'A'))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(causalMask(3, 3, 1, 1, 'B'))).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(causalMask(1, 1, 1, 2, 'A'))).toEqual([0, 0]);
  });

  it('masked convolution: masked weights get exactly zero gradient, the rest match numerics', () => {
    const conv = new MaskedConv2d(3, 2, 2, 'A', 4);
    const rng = new Rng(8);
    const x = tf.tensor4d(Float32Array.from({ length: 5 * 5 * 2 }, () => rng.normal()), [1, 5, 5, 2]);
    const loss = () => tf.sum(tf.square(conv.apply(x))) as tf.Scalar;
    const r = gradCheckVariables(loss, conv.variables, { eps: 1e-2, tol: 2e-2, atol: 2e-3 });
    expect(r.passed).toBe(true);
    const { value, grads } = tf.variableGrads(loss, conv.variables);
    const g = grads[conv.kernel.name]!.dataSync();
    const mask = causalMask(3, 3, 2, 2, 'A');
    let unmaskedNonzero = 0;
    mask.forEach((m, i) => {
      if (m === 0) expect(Math.abs(g[i]!)).toBe(0);
      else if (g[i] !== 0) unmaskedNonzero++;
    });
    expect(unmaskedNonzero).toBeGreaterThan(8);
    tf.dispose([value, ...Object.values(grads), x]);
    conv.dispose();
  });

  it('is causal: a pixel’s logits ignore that pixel and every later one', () => {
    const m = new PixelCnn({ height: 6, width: 6, filters: 4, layers: 2, seed: 1 });
    const rng = new Rng(3);
    const a = Float32Array.from({ length: 36 }, () => rng.random());
    const p = 2 * 6 + 3;
    const b = a.slice();
    for (let i = p; i < 36; i++) b[i] = rng.random();
    const la = m.logits(tf.tensor4d(a, [1, 6, 6, 1]));
    const lb = m.logits(tf.tensor4d(b, [1, 6, 6, 1]));
    const da = la.dataSync();
    const db = lb.dataSync();
    const L = m.levels;
    for (let k = 0; k < L; k++) expect(db[p * L + k]).toBeCloseTo(da[p * L + k]!, 5);
    // …but the next pixel does see pixel p.
    let differs = false;
    for (let k = 0; k < L; k++) if (Math.abs(db[(p + 1) * L + k]! - da[(p + 1) * L + k]!) > 1e-6) differs = true;
    expect(differs).toBe(true);
    tf.dispose([la, lb]);
    m.dispose();
  });

  it('learns Catch frames (NLL falls) and counts a familiar frame more often than a novel one', () => {
    const grey = (f: Float32Array, n: number) => {
      const out = new Float32Array(n * SIDE * SIDE);
      for (let i = 0; i < out.length; i++) out[i] = (f[i * 3]! + f[i * 3 + 1]! + f[i * 3 + 2]!) / 3;
      return out;
    };
    const train = grey(catchTrain, 240);
    const m = new PixelCnn({ height: SIDE, width: SIDE, filters: 8, layers: 1, seed: 2, learningRate: 1e-2 });
    const rng = new Rng(11);
    const losses: number[] = [];
    for (let s = 0; s < 40; s++) {
      const idx = Array.from({ length: 16 }, () => rng.int(240));
      const d = new Float32Array(16 * SIDE * SIDE);
      idx.forEach((j, i) => d.set(train.subarray(j * SIDE * SIDE, (j + 1) * SIDE * SIDE), i * SIDE * SIDE));
      const x = tf.tensor4d(d, [16, SIDE, SIDE, 1]);
      losses.push(m.trainStep(x));
      x.dispose();
    }
    expect(mean(losses.slice(-5))).toBeLessThan(0.3 * mean(losses.slice(0, 5)));
    const seen = tf.tensor4d(grey(catchHeld, 40).subarray(0, SIDE * SIDE), [1, SIDE, SIDE, 1]);
    const novel = tf.tensor4d(grey(breakout, 40).subarray(0, SIDE * SIDE), [1, SIDE, SIDE, 1]);
    const nSeen = m.pseudoCount(seen);
    const nNovel = m.pseudoCount(novel);
    expect(nSeen).toBeGreaterThan(nNovel);
    expect(pseudoCountBonus(nNovel)).toBeGreaterThan(pseudoCountBonus(nSeen));
    expect(pseudoCountFromGain(Math.log(2))).toBeCloseTo(1, 10);
    tf.dispose([seen, novel]);
    m.dispose();
  });
});
