// Novelty bonuses from frame models: reconstruction error as curiosity (in the spirit of RND,
// Burda et al. 2019, with an autoencoder as the predictor) and NGU's episodic k-nearest-neighbour
// bonus (Badia et al. 2020, "Never give up"). Both add β·bonus to the env reward.
import * as tf from '@tensorflow/tfjs';
import type { Env, ResetOptions, ResetResult, StepResult } from '../../../envs/core.js';
import { Rng } from '../../../envs/rng.js';
import { Wrapper } from '../../../envs/wrappers/wrapper.js';
import type { FrameModel } from './frameModel.js';

/** Running mean and variance (Welford), for normalizing bonuses whose scale drifts. */
export class RunningStats {
  count = 0;
  mean = 0;
  private m2 = 0;
  push(x: number): void {
    this.count++;
    const d = x - this.mean;
    this.mean += d / this.count;
    this.m2 += d * (x - this.mean);
  }
  get std(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : 1;
  }
}

/** A pixel observation (uint8 HWC) as a [1, h, w, c] float tensor in [0, 1]. */
export function observationImage(obs: ArrayLike<number>, shape: readonly [number, number, number]): tf.Tensor4D {
  const [h, w, c] = shape;
  if (obs.length !== h * w * c) throw new RangeError(`novelty: observation of ${obs.length} values, the model takes [${shape.join(', ')}]`);
  const d = new Float32Array(obs.length);
  for (let i = 0; i < d.length; i++) d[i] = obs[i]! / 255;
  return tf.tensor4d(d, [1, h, w, c]);
}

export interface NoveltyRewardOptions {
  /** Bonus weight. Default 0.1. */
  beta?: number;
  /**
   * 'online' (default): the model trains on the frames the agent visits, so novelty fades as
   * states become familiar. 'frozen': a pre-trained model, never updated (novelty relative to its
   * training set).
   */
  training?: 'online' | 'frozen';
  /** Env steps between training steps (online). Default 4. */
  trainEvery?: number;
  /** Minibatch size. Default 16. */
  batchSize?: number;
  /** Frames remembered for training (a ring). Default 2000. */
  bufferSize?: number;
  /** Seeds the minibatch sampler. Default 0. */
  seed?: number;
}

/**
 * Adds β · error / running-std(error) to each step's reward, where error is the model's
 * reconstruction error of the new observation; `info.novelty` holds the bonus. Dividing by the
 * running standard deviation keeps the bonus scale steady as the model improves.
 */
export class NoveltyReward<A = unknown> extends Wrapper<Uint8Array, A, Uint8Array, A> {
  readonly beta: number;
  readonly training: 'online' | 'frozen';
  readonly stats = new RunningStats();
  private readonly trainEvery: number;
  private readonly batchSize: number;
  private readonly buffer: Uint8Array[] = [];
  private readonly bufferSize: number;
  private next = 0;
  private steps = 0;
  private readonly rng: Rng;
  /** Loss of the last training step (NaN before any). */
  lastLoss = Number.NaN;

  constructor(env: Env<Uint8Array, A>, readonly model: FrameModel, opts: NoveltyRewardOptions = {}) {
    super(env);
    this.beta = opts.beta ?? 0.1;
    this.training = opts.training ?? 'online';
    this.trainEvery = opts.trainEvery ?? 4;
    this.batchSize = opts.batchSize ?? 16;
    this.bufferSize = opts.bufferSize ?? 2000;
    this.rng = new Rng(opts.seed ?? 0);
  }

  /** The unnormalized novelty of one observation (its reconstruction error). */
  error(obs: ArrayLike<number>): number {
    const x = observationImage(obs, this.model.inputShape);
    try {
      return this.model.reconstructionError(x)[0]!;
    } finally {
      x.dispose();
    }
  }

  private remember(obs: Uint8Array): void {
    const copy = Uint8Array.from(obs);
    if (this.buffer.length < this.bufferSize) this.buffer.push(copy);
    else this.buffer[this.next] = copy;
    this.next = (this.next + 1) % this.bufferSize;
  }

  private train(): void {
    const [h, w, c] = this.model.inputShape;
    const n = Math.min(this.batchSize, this.buffer.length);
    const size = h * w * c;
    const d = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const f = this.buffer[this.rng.int(this.buffer.length)]!;
      for (let j = 0; j < size; j++) d[i * size + j] = f[j]! / 255;
    }
    const x = tf.tensor4d(d, [n, h, w, c]);
    try {
      this.lastLoss = this.model.trainStep(x);
    } finally {
      x.dispose();
    }
  }

  override step(action: A): StepResult<Uint8Array> {
    const r = this.env.step(action);
    const e = this.error(r.observation);
    this.stats.push(e);
    const bonus = (this.beta * e) / Math.max(this.stats.std, 1e-8);
    r.reward += bonus;
    r.info = { ...r.info, novelty: bonus };
    if (this.training === 'online') {
      this.remember(r.observation);
      if (++this.steps % this.trainEvery === 0) this.train();
    }
    return r;
  }
}

export interface EpisodicNoveltyOptions {
  /** Bonus weight. Default 0.1. */
  beta?: number;
  /** Neighbours. Default 10 (NGU). */
  k?: number;
  /** Kernel ε. Default 1e-3 (NGU). */
  epsilon?: number;
  /** Pseudo-count constant c. Default 1e-3 (NGU). */
  c?: number;
  /** Cluster distance ξ: normalized squared distances below it count as identical. Default 8e-3 (NGU). */
  clusterDistance?: number;
  /** Embeddings kept per episode at most. Default 10,000. */
  capacity?: number;
}

/**
 * NGU's episodic bonus: the embedding f(x) of the new observation is compared with this episode's
 * memory; with d²ᵢ the squared distances to the k nearest, normalized by their running mean d²ₘ,
 * K = Σ ε / (max(d²ᵢ/d²ₘ − ξ, 0) + ε) and the bonus is 1 / √(K + c) (large when far from all).
 * The memory is cleared at reset. `info.episodicNovelty` holds the bonus.
 */
export class EpisodicNoveltyReward<A = unknown> extends Wrapper<Uint8Array, A, Uint8Array, A> {
  readonly beta: number;
  private readonly k: number;
  private readonly eps: number;
  private readonly c: number;
  private readonly xi: number;
  private readonly capacity: number;
  private memory: Float32Array[] = [];
  readonly distanceStats = new RunningStats();

  constructor(env: Env<Uint8Array, A>, readonly model: Pick<FrameModel, 'encode' | 'inputShape'>, opts: EpisodicNoveltyOptions = {}) {
    super(env);
    this.beta = opts.beta ?? 0.1;
    this.k = opts.k ?? 10;
    this.eps = opts.epsilon ?? 1e-3;
    this.c = opts.c ?? 1e-3;
    this.xi = opts.clusterDistance ?? 8e-3;
    this.capacity = opts.capacity ?? 10_000;
  }

  embed(obs: ArrayLike<number>): Float32Array {
    const e = tf.tidy(() => this.model.encode(observationImage(obs, this.model.inputShape)));
    const v = Float32Array.from(e.dataSync() as Float32Array);
    e.dispose();
    return v;
  }

  /** The bonus of an embedding against the current memory (before adding it). */
  bonusOf(z: Float32Array): number {
    if (this.memory.length === 0) return 1 / Math.sqrt(this.c);
    const d2 = this.memory.map((m) => {
      let s = 0;
      for (let i = 0; i < z.length; i++) s += (z[i]! - m[i]!) ** 2;
      return s;
    });
    d2.sort((a, b) => a - b);
    const near = d2.slice(0, this.k);
    for (const d of near) this.distanceStats.push(d);
    const dm = Math.max(this.distanceStats.mean, 1e-8);
    let kernel = 0;
    for (const d of near) kernel += this.eps / (Math.max(d / dm - this.xi, 0) + this.eps);
    return 1 / Math.sqrt(kernel + this.c);
  }

  private add(z: Float32Array): void {
    if (this.memory.length < this.capacity) this.memory.push(z);
  }

  override reset(opts?: ResetOptions): ResetResult<Uint8Array> {
    const r = this.env.reset(opts);
    this.memory = [];
    this.add(this.embed(r.observation));
    return r;
  }

  override step(action: A): StepResult<Uint8Array> {
    const r = this.env.step(action);
    const z = this.embed(r.observation);
    const bonus = this.beta * this.bonusOf(z);
    this.add(z);
    r.reward += bonus;
    r.info = { ...r.info, episodicNovelty: bonus };
    return r;
  }

  /** Embeddings in this episode's memory. */
  get memorySize(): number {
    return this.memory.length;
  }
}
