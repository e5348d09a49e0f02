// REINFORCE (Williams 1992) with the usual variance reductions (Sutton & Barto 2018, §13.3–13.4),
// CleanRL style: config, presets, agent and update step in one file.
//
// ∇J ≈ mean_t ∇log π(a_t|s_t) · Ψ_t over whole episodes, where Ψ_t is
//   - the episode's discounted return G_0 (rewardToGo false) or the reward-to-go G_t (true),
//   - minus a learned state value V(s_t) (baseline true; V is fitted to G_t by least squares),
//   - normalized to mean 0, std 1 over the batch (normalizeAdvantages true),
// plus an entropy bonus. Each switch can be turned off to see its effect: every update logs the
// spread of Ψ (advVar: its variance within the batch; advMeanSq: E[Ψ²], which scales the variance of
// the score-function estimator), the policy-gradient norm (gradNorm) and an estimate of the gradient
// variance across updates (gradVar: the trace of its covariance, from exponential moving moments).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../envs/rng.js';
import { loadWeightsInto, saveModel } from '../nets/io.js';
import type { RecurrentState } from '../nets/modules/recurrent.js';
import { makeOptimizer, type OptimizerConfig } from '../nets/optim/config.js';
import type { ActionExplanation, ActOptions } from './agent.js';
import { restoreAgent, writeAgentFile } from './agentFile.js';
import {
  NonFiniteError,
  actionInfo,
  assertFinite,
  loadOptimizerState,
  mergeConfig,
  observationInfo,
  readJsonFile,
  readTidy,
  saveOptimizerState,
  writeJsonFile,
  writeObservation,
  type ActionInfo,
  type ObsInfo,
} from './common.js';
import { disposeLoadedSources, loadEncoderSources, saveEncoderSources, type NetworkSpec } from './networks.js';
import { PolicyNet, buildValueNet, type RecurrentSpec } from './policy.js';
import { applyPolicyStep, variance } from './policyUpdate.js';
import { noPreprocess, type PreprocessSpec } from './preprocess.js';
import type { Preset } from './presets.js';
import type { EnvInfo, Metrics, TrainStep, TrainableAgent } from './types.js';

// ------------------------------------------------------------------------------------------ config

export interface ReinforceConfig {
  /** Policy encoder. */
  network: NetworkSpec;
  /** An LSTM/GRU core in the policy (episodes are its sequences), or null. */
  recurrent: RecurrentSpec | null;
  gamma: number;
  /** Weight each step by the return from that step on (true) or by the whole episode's return (false). */
  rewardToGo: boolean;
  /** Subtract a learned V(s_t). */
  baseline: boolean;
  /** Normalize the weights Ψ_t per batch. */
  normalizeAdvantages: boolean;
  entropyCoef: number;
  /** Policy optimizer. */
  optimizer: OptimizerConfig;
  /** Baseline network and its optimizer. */
  valueNetwork: NetworkSpec;
  valueOptimizer: OptimizerConfig;
  /** Episodes per update. */
  episodesPerUpdate: number;
  /** Clip the policy gradient to this global norm; 0 = off. */
  maxGradNorm: number;
  /** Starting log σ for Box actions. */
  initLogStd: number;
  preprocess: PreprocessSpec;
  fastAct: boolean;
}

export const reinforceDefaults: ReinforceConfig = {
  network: { type: 'mlp', hiddenSizes: [64, 64], activation: 'tanh' },
  recurrent: null,
  gamma: 0.99,
  rewardToGo: true,
  baseline: true,
  normalizeAdvantages: true,
  entropyCoef: 0,
  optimizer: { type: 'adam', learningRate: 1e-3 },
  valueNetwork: { type: 'mlp', hiddenSizes: [64, 64], activation: 'tanh' },
  valueOptimizer: { type: 'adam', learningRate: 1e-3 },
  episodesPerUpdate: 1,
  maxGradNorm: 0,
  initLogStd: 0,
  preprocess: noPreprocess,
  fastAct: true,
};

export const reinforcePresets: Record<string, Preset<ReinforceConfig>> = {
  /**
   * CartPole-v1: the setting FACTS.md measured with PyTorch (64-64 tanh policy and value nets, Adam
   * 1e-3, one update per episode; ≥ 475 at 69–100k steps), with reward-to-go and normalized
   * advantages. Budget 200k env steps; stops at the first evaluation ≥ 475.
   */
  cartpole: {
    description: 'REINFORCE with a learned baseline for CartPole-v1',
    env: 'CartPole-v1',
    config: {
      network: { type: 'mlp', hiddenSizes: [64, 64], activation: 'tanh' },
      valueNetwork: { type: 'mlp', hiddenSizes: [64, 64], activation: 'tanh' },
      optimizer: { type: 'adam', learningRate: 1e-3 },
      valueOptimizer: { type: 'adam', learningRate: 1e-3 },
      gamma: 0.99,
      rewardToGo: true,
      baseline: true,
      normalizeAdvantages: true,
      entropyCoef: 0,
      episodesPerUpdate: 1,
    },
    train: { totalSteps: 200_000, evalEvery: 5000, evalEpisodes: 10, checkpointEvery: 20_000, stopAtReturn: 475 },
  },
};

export function resolveReinforceConfig(config: Partial<ReinforceConfig> = {}): ReinforceConfig {
  return mergeConfig(reinforceDefaults, config);
}

function checkConfig(c: ReinforceConfig): void {
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw new Error(`reinforce config: gamma must be in [0, 1], got ${c.gamma}`);
  if (!Number.isInteger(c.episodesPerUpdate) || c.episodesPerUpdate < 1) throw new Error(`reinforce config: episodesPerUpdate must be a positive integer`);
  if (!(c.entropyCoef >= 0)) throw new Error('reinforce config: entropyCoef must be ≥ 0');
  if (!(c.maxGradNorm >= 0)) throw new Error('reinforce config: maxGradNorm must be ≥ 0');
}

// ------------------------------------------------------------------------------------------- agent

/** One update's worth of episodes, stored step by step. */
interface EpisodeBatch {
  obs: Float32Array[];
  actions: number[];
  rewards: number[];
  /** 1 on the first step of each episode. */
  starts: number[];
  /** Steps of finished episodes (the update covers only those). */
  episodes: number;
}

export class ReinforceAgent implements TrainableAgent<unknown, unknown> {
  readonly algo = 'reinforce';
  readonly numEnvs = 1;
  readonly config: ReinforceConfig;
  readonly env: EnvInfo;
  readonly policy: PolicyNet;
  readonly valueNet: tf.LayersModel | null;
  readonly optimizer: tf.Optimizer;
  readonly valueOptimizer: tf.Optimizer | null;
  envSteps = 0;
  updates = 0;
  private readonly obs: ObsInfo;
  private readonly action: ActionInfo;
  private readonly rng: Rng;
  private batch: EpisodeBatch = emptyBatch();
  private episodeStart = true;
  private pendingRaw: Float32Array | null = null;
  /** Recurrent state while training (1 row) and while acting through `act`. */
  private trainState: { s: RecurrentState } | undefined;
  private actState: { s: RecurrentState } | undefined;
  private actStart = true;
  private readonly row: Float32Array;
  /** Exponential moving first and second moments of the flattened policy gradient. */
  private gradMoments: { m: Float64Array; s: Float64Array; k: number } | null = null;

  constructor(env: EnvInfo, config: Partial<ReinforceConfig> = {}, seed = 0) {
    this.config = resolveReinforceConfig(config);
    checkConfig(this.config);
    this.env = env;
    this.obs = observationInfo(env.observationSpace);
    this.action = actionInfo(env.actionSpace);
    this.rng = new Rng(seed);
    const c = this.config;
    this.policy = new PolicyNet(this.obs, this.action, { network: c.network, withValue: false, shared: true, recurrent: c.recurrent, initLogStd: c.initLogStd, fastAct: c.fastAct }, seed);
    this.valueNet = c.baseline ? buildValueNet(this.obs, c.valueNetwork, seed + 500) : null;
    this.optimizer = makeOptimizer(c.optimizer);
    this.valueOptimizer = c.baseline ? makeOptimizer(c.valueOptimizer) : null;
    this.row = new Float32Array(this.obs.size);
    if (this.policy.core) {
      this.trainState = { s: this.policy.initialState(1) };
      this.actState = { s: this.policy.initialState(1) };
    }
  }

  // ---------------------------------------------------------------------------------- acting

  act(observation: unknown, opts: ActOptions = {}): unknown {
    writeObservation(observation, this.obs, this.row, 0);
    const reset = this.actStart ? [1] : [0];
    this.actStart = false;
    return this.policy.act(this.row, 1, opts.explore !== false, this.rng, this.actState, reset).envActions[0]!;
  }

  resetEpisode(): void {
    this.actStart = true;
  }

  explain(observation: unknown): ActionExplanation<unknown> {
    writeObservation(observation, this.obs, this.row, 0);
    const d = this.policy.describe(this.row, this.actStart ? undefined : this.actState?.s);
    const value = this.valueNet ? tf.tidy(() => (this.valueNet!.predict(tf.tensor(this.row, [1, ...this.obs.shape])) as tf.Tensor).dataSync()[0]!) : undefined;
    const action = this.action.kind === 'discrete' ? this.action.start + argmaxOf(d.probs!) : d.mean!;
    return { action, ...(d.probs ? { probs: d.probs } : {}), ...(value === undefined ? {} : { value }) };
  }

  trainAct(observations: readonly unknown[]): unknown[] {
    writeObservation(observations[0], this.obs, this.row, 0);
    const r = this.policy.act(this.row, 1, true, this.rng, this.trainState, [this.episodeStart ? 1 : 0]);
    this.pendingRaw = r.raw;
    return r.envActions;
  }

  // -------------------------------------------------------------------------------- learning

  observe(step: TrainStep): Metrics | null {
    if (!this.pendingRaw) throw new Error('ReinforceAgent.observe: call trainAct first');
    const b = this.batch;
    const row = new Float32Array(this.obs.size);
    writeObservation(step.observations[0], this.obs, row, 0);
    b.obs.push(row);
    for (const v of this.pendingRaw) b.actions.push(v);
    this.pendingRaw = null;
    b.rewards.push(step.rewards[0]!);
    b.starts.push(this.episodeStart ? 1 : 0);
    this.envSteps++;
    const done = step.terminated[0] === 1 || step.truncated[0] === 1;
    this.episodeStart = done;
    if (!done) return null;
    b.episodes++;
    if (b.episodes < this.config.episodesPerUpdate) return null;
    try {
      return this.update();
    } finally {
      this.batch = emptyBatch();
    }
  }

  /** One policy-gradient step (and one baseline step) on the finished episodes of the batch. */
  update(): Metrics {
    const c = this.config;
    const b = this.batch;
    const T = b.rewards.length;
    assertFinite(b.rewards, `REINFORCE: a reward in the episode ending at env step ${this.envSteps}`);
    // Returns, backwards through each episode: G_t = r_t + γ G_{t+1}.
    const returns = new Float32Array(T);
    let g = 0;
    for (let t = T - 1; t >= 0; t--) {
      g = b.rewards[t]! + c.gamma * g;
      returns[t] = g;
      if (b.starts[t]) g = 0;
    }
    if (!c.rewardToGo) {
      // Every step of an episode gets the episode's return G_0.
      let g0 = 0;
      for (let t = 0; t < T; t++) {
        if (b.starts[t]) g0 = returns[t]!;
        returns[t] = g0;
      }
    }
    const obsRows = new Float32Array(T * this.obs.size);
    b.obs.forEach((r, t) => obsRows.set(r, t * this.obs.size));
    const dim = this.policy.actionDim;
    const actions = Float32Array.from(b.actions);

    // The baseline: V(s_t) before this update (no gradient into the policy), then a least-squares fit.
    const advantages = Float32Array.from(returns);
    let valueLoss = 0;
    if (this.valueNet) {
      const values = readTidy(() => this.valueNet!.predict(tf.tensor(obsRows, [T, ...this.obs.shape])) as tf.Tensor);
      for (let t = 0; t < T; t++) advantages[t] = returns[t]! - values[t]!;
      valueLoss = this.fitBaseline(obsRows, returns, T);
    }
    const advVar = variance(advantages);
    let advMeanSq = 0;
    for (const a of advantages) advMeanSq += a * a;
    advMeanSq /= T;
    if (c.normalizeAdvantages && T > 1) normalize(advantages);

    const seq = this.policy.core
      ? { numSteps: T, numEnvs: 1, state: this.policy.initialState(1), resets: tf.tensor2d(Float32Array.from(b.starts), [1, T]) }
      : undefined;
    let lossValue = 0;
    let entropyValue = 0;
    let gradNorm = 0;
    let gradVar = NaN;
    try {
      const { value, grads, entropy } = tf.tidy(() => {
        const obsT = tf.tensor(obsRows, [T, ...this.obs.shape]);
        const actT = tf.tensor(actions, this.action.kind === 'discrete' ? [T] : [T, dim]);
        const advT = tf.tensor1d(advantages);
        const kept: { entropy?: tf.Tensor } = {};
        const r = tf.variableGrads(() => {
          const { out } = this.policy.forward(obsT, seq);
          const { logProb, entropy } = this.policy.logProbEntropy(out, actT);
          const ent = tf.mean(entropy);
          kept.entropy = tf.keep(ent);
          return tf.sub(tf.neg(tf.mean(tf.mul(logProb, advT))), tf.mul(c.entropyCoef, ent)) as tf.Scalar;
        }, this.policy.variables);
        return { value: r.value, grads: r.grads, entropy: kept.entropy! };
      });
      try {
        entropyValue = entropy.dataSync()[0]!;
        const step = { algo: 'REINFORCE', lossName: 'policy loss', update: this.updates + 1, envSteps: this.envSteps, maxGradNorm: c.maxGradNorm };
        ({ loss: lossValue, gradNorm } = applyPolicyStep(this.optimizer, value, grads, step, (g) => {
          gradVar = this.trackGradient(Object.values(g));
        }));
      } finally {
        tf.dispose([value, entropy, ...Object.values(grads)]);
      }
    } finally {
      if (seq) tf.dispose([...seq.state, seq.resets]);
    }
    this.policy.markUpdated();
    this.updates++;
    const episodeReturn = b.rewards.reduce((a, r) => a + r, 0) / b.episodes;
    const m: Metrics = { policyLoss: lossValue, valueLoss, entropy: entropyValue, advVar, advMeanSq, gradNorm, batchReturn: episodeReturn };
    if (Number.isFinite(gradVar)) m['gradVar'] = gradVar;
    return m;
  }

  /** Folds this update's gradient into moving moments (β 0.9, bias-corrected); returns Σ Var, or NaN at first. */
  private trackGradient(grads: Array<tf.Tensor | null>): number {
    // A frozen variable has no gradient (null): it has no variance to track.
    const parts = grads.filter((g): g is tf.Tensor => g != null).map((g) => g.dataSync());
    const size = parts.reduce((n, p) => n + p.length, 0);
    this.gradMoments ??= { m: new Float64Array(size), s: new Float64Array(size), k: 0 };
    const gm = this.gradMoments;
    const beta = 0.9;
    gm.k++;
    let i = 0;
    for (const p of parts) {
      for (let j = 0; j < p.length; j++, i++) {
        const g = p[j]!;
        gm.m[i] = beta * gm.m[i]! + (1 - beta) * g;
        gm.s[i] = beta * gm.s[i]! + (1 - beta) * g * g;
      }
    }
    if (gm.k < 2) return NaN;
    const corr = 1 - beta ** gm.k;
    let total = 0;
    for (let j = 0; j < size; j++) {
      const mean = gm.m[j]! / corr;
      total += Math.max(0, gm.s[j]! / corr - mean * mean);
    }
    return total;
  }

  /** One gradient step of ½·mean (V(s_t) − G_t)² on the baseline. */
  private fitBaseline(obsRows: Float32Array, returns: Float32Array, T: number): number {
    const vars = this.valueNet!.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor(obsRows, [T, ...this.obs.shape]);
      const y = tf.tensor1d(returns);
      return tf.variableGrads(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(tf.reshape(this.valueNet!.apply(x, { training: true }) as tf.Tensor, [-1]), y)))) as tf.Scalar, vars);
    });
    try {
      const v = value.dataSync()[0]!;
      if (!Number.isFinite(v)) throw new NonFiniteError(`REINFORCE baseline loss is ${v} at update ${this.updates + 1} (env step ${this.envSteps}); the weights were not changed`);
      this.valueOptimizer!.applyGradients(grads);
      return v;
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  }

  // ----------------------------------------------------------------------------- persistence

  canCheckpoint(): boolean {
    return this.batch.rewards.length === 0;
  }

  async save(dir: string): Promise<void> {
    await this.policy.save(dir);
    if (this.valueNet) await saveModel(this.valueNet, join(dir, 'value'));
    writeAgentFile(dir, this.algo, await saveEncoderSources(this.config, dir), this.env);
  }

  async load(dir: string): Promise<void> {
    await this.policy.load(dir);
    if (this.valueNet) await loadWeightsInto(this.valueNet, join(dir, 'value'));
  }

  static fromSaved(dir: string): Promise<ReinforceAgent> {
    return restoreAgent<ReinforceConfig, ReinforceAgent>(dir, 'reinforce', async (env, config) => new ReinforceAgent(env, await loadEncoderSources(config, dir)));
  }

  async saveState(dir: string): Promise<void> {
    if (!this.canCheckpoint()) throw new Error('ReinforceAgent.saveState: an episode is in progress');
    await this.save(dir);
    await saveOptimizerState(this.optimizer, dir, 'optimizer');
    if (this.valueOptimizer) await saveOptimizerState(this.valueOptimizer, dir, 'value-optimizer');
    writeJsonFile(join(dir, 'reinforce.json'), { envSteps: this.envSteps, updates: this.updates, rng: this.rng.getState(), episodeStart: this.episodeStart });
  }

  async loadState(dir: string): Promise<void> {
    const s = readJsonFile<{ envSteps: number; updates: number; rng: ReturnType<Rng['getState']>; episodeStart: boolean }>(join(dir, 'reinforce.json'), 'reinforce state');
    if (!Number.isInteger(s.envSteps) || !s.rng) throw new Error(`reinforce state in ${dir} is corrupt`);
    await this.load(dir);
    await loadOptimizerState(this.optimizer, dir, 'optimizer');
    if (this.valueOptimizer) await loadOptimizerState(this.valueOptimizer, dir, 'value-optimizer');
    this.envSteps = s.envSteps;
    this.updates = s.updates;
    this.rng.setState(s.rng);
    this.episodeStart = s.episodeStart;
    this.batch = emptyBatch();
  }

  dispose(): void {
    this.policy.dispose();
    this.valueNet?.dispose();
    this.optimizer.dispose();
    disposeLoadedSources(this.config);
    this.valueOptimizer?.dispose();
    if (this.trainState) tf.dispose(this.trainState.s);
    if (this.actState) tf.dispose(this.actState.s);
  }
}

function emptyBatch(): EpisodeBatch {
  return { obs: [], actions: [], rewards: [], starts: [], episodes: 0 };
}

function argmaxOf(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

function normalize(x: Float32Array): void {
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let sq = 0;
  for (const v of x) sq += (v - mean) ** 2;
  const std = Math.sqrt(sq / Math.max(1, x.length - 1));
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean) / (std + 1e-8);
}
