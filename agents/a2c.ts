// A2C: the synchronous advantage actor-critic (Mnih et al. 2016, "Asynchronous Methods for Deep RL",
// synchronous variant as in OpenAI Baselines and SB3), CleanRL style: config, presets, agent and
// update step in one file.
//
// n envs step together; every nSteps steps the agent computes advantages (GAE(λ), Schulman et al.
// 2016, or n-step returns) and takes one gradient step on
//   L = −mean(log π(a|s)·A) + valueCoef·mean((R − V(s))²) − entropyCoef·mean(H[π(·|s)]).
// Discrete actions: categorical policy. Box actions: Gaussian with a state-independent log σ; the
// sampled action is clipped to the Box for the env and kept unclipped for the log-probability.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../envs/rng.js';
import type { RecurrentState } from '../nets/modules/recurrent.js';
import { makeOptimizer, type OptimizerConfig } from '../nets/optim/config.js';
import { RolloutBuffer } from '../replay/rolloutBuffer.js';
import type { ActionExplanation, ActOptions } from './agent.js';
import { restoreAgent, writeAgentFile } from './agentFile.js';
import {
  actionInfo,
  argmax,
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
import { PolicyNet, stateFromArrays, stateToArrays, type RecurrentSpec } from './policy.js';
import { applyPolicyStep, variance } from './policyUpdate.js';
import { noPreprocess, type PreprocessSpec } from './preprocess.js';
import type { Preset } from './presets.js';
import type { EnvInfo, Metrics, TrainStep, TrainableAgent } from './types.js';

// ------------------------------------------------------------------------------------------ config

export interface A2cConfig {
  /** Envs stepped together. */
  numEnvs: number;
  /** Steps per env per update (the rollout length T). */
  nSteps: number;
  gamma: number;
  /** 'gae': GAE(λ) advantages; 'nstep': T-step returns bootstrapped from V at the rollout's end. */
  advantage: 'gae' | 'nstep';
  gaeLambda: number;
  valueCoef: number;
  entropyCoef: number;
  optimizer: OptimizerConfig;
  /** Clip gradients to this global norm; 0 = off. */
  maxGradNorm: number;
  normalizeAdvantages: boolean;
  network: NetworkSpec;
  /** One encoder for policy and value (true) or one each (false, SB3's MlpPolicy). */
  sharedEncoder: boolean;
  /** An LSTM/GRU core on the shared encoder, or null. */
  recurrent: RecurrentSpec | null;
  /** Starting log σ for Box actions. */
  initLogStd: number;
  /** Rewards are multiplied by this for learning (returns on the scale of the value head). */
  rewardScale: number;
  preprocess: PreprocessSpec;
  fastAct: boolean;
}

/** SB3's A2C defaults: 5 steps, γ 0.99, λ 1, vf 0.5, ent 0, max norm 0.5, RMSprop(7e-4, α 0.99, ε 1e-5). */
export const a2cDefaults: A2cConfig = {
  numEnvs: 8,
  nSteps: 5,
  gamma: 0.99,
  advantage: 'gae',
  gaeLambda: 1,
  valueCoef: 0.5,
  entropyCoef: 0,
  optimizer: { type: 'rmsprop', learningRate: 7e-4, decay: 0.99, epsilon: 1e-5, epsilonOutsideSqrt: true },
  maxGradNorm: 0.5,
  normalizeAdvantages: false,
  network: { type: 'mlp', hiddenSizes: [64, 64], activation: 'tanh' },
  sharedEncoder: false,
  recurrent: null,
  initLogStd: 0,
  rewardScale: 1,
  preprocess: noPreprocess,
  fastAct: true,
};

export const a2cPresets: Record<string, Preset<A2cConfig>> = {
  /**
   * rl-baselines3-zoo's a2c.yml CartPole-v1: 8 envs, SB3 defaults (n_steps 5, lr 7e-4, ent_coef 0),
   * budget 5e5 steps. FACTS.md measured ≥ 475 at 89–103k steps with Adam 7e-4; Adam is used here.
   * Stops at the first evaluation ≥ 475.
   */
  cartpole: {
    description: 'A2C for CartPole-v1 (8 envs, 5-step rollouts)',
    env: 'CartPole-v1',
    config: {
      numEnvs: 8,
      nSteps: 5,
      gamma: 0.99,
      advantage: 'gae',
      gaeLambda: 1,
      valueCoef: 0.5,
      entropyCoef: 0,
      optimizer: { type: 'adam', learningRate: 7e-4 },
      maxGradNorm: 0.5,
      network: { type: 'mlp', hiddenSizes: [64, 64], activation: 'tanh' },
      sharedEncoder: false,
    },
    train: { totalSteps: 500_000, evalEvery: 10_000, evalEpisodes: 10, checkpointEvery: 50_000, stopAtReturn: 475 },
  },
  /**
   * Pendulum-v1, starting from rl-baselines3-zoo's a2c.yml (8 envs, n_steps 8, γ 0.9, GAE λ 0.9,
   * vf_coef 0.4, ent_coef 0, max_grad_norm 0.5, RMSprop 7e-4, log_std_init −2, 1e6 steps). The zoo
   * also relies on gSDE, VecNormalize and a linear lr decay, which are not implemented here; without
   * them its numbers did not learn in 150k steps. Tuned here instead: 16-step rollouts, γ 0.95,
   * λ 0.95, normalized advantages, Adam 7e-4, log σ −0.5, rewards × 0.1. Plain A2C stays far from
   * solving Pendulum: measured here (seed 0), evaluations rose from ≈ −1300 to a best of −924 over
   * 400k steps and fluctuate around −1000 to −1200.
   */
  pendulum: {
    description: 'A2C for Pendulum-v1 (Gaussian policy, 8 envs; improves slowly, does not solve)',
    env: 'Pendulum-v1',
    config: {
      numEnvs: 8,
      nSteps: 16,
      gamma: 0.95,
      advantage: 'gae',
      gaeLambda: 0.95,
      valueCoef: 0.4,
      entropyCoef: 0,
      optimizer: { type: 'adam', learningRate: 7e-4 },
      maxGradNorm: 0.5,
      normalizeAdvantages: true,
      network: { type: 'mlp', hiddenSizes: [64, 64], activation: 'tanh' },
      sharedEncoder: false,
      initLogStd: -0.5,
      rewardScale: 0.1,
    },
    train: { totalSteps: 1_000_000, evalEvery: 20_000, evalEpisodes: 10, checkpointEvery: 100_000, stopAtReturn: null },
  },
};

export function resolveA2cConfig(config: Partial<A2cConfig> = {}): A2cConfig {
  return mergeConfig(a2cDefaults, config);
}

function checkConfig(c: A2cConfig): void {
  const where = 'a2c config';
  for (const k of ['numEnvs', 'nSteps'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`${where}: ${k} must be a positive integer, got ${JSON.stringify(c[k])}`);
  }
  if (c.advantage !== 'gae' && c.advantage !== 'nstep') throw new Error(`${where}: advantage must be 'gae' or 'nstep', got ${JSON.stringify(c.advantage)}`);
  if (!(c.gamma >= 0 && c.gamma <= 1) || !(c.gaeLambda >= 0 && c.gaeLambda <= 1)) throw new Error(`${where}: gamma and gaeLambda must be in [0, 1]`);
  if (c.recurrent && !c.sharedEncoder) throw new Error(`${where}: a recurrent core needs sharedEncoder: true`);
}

// ------------------------------------------------------------------------------------------- agent

export class A2cAgent implements TrainableAgent<unknown, unknown> {
  readonly algo = 'a2c';
  readonly config: A2cConfig;
  readonly env: EnvInfo;
  readonly net: PolicyNet;
  readonly optimizer: tf.Optimizer;
  envSteps = 0;
  updates = 0;
  private readonly obs: ObsInfo;
  private readonly action: ActionInfo;
  private readonly rng: Rng;
  private readonly rollout: RolloutBuffer;
  /** 1 where the env's next step starts an episode (recurrent state is zeroed there). */
  private readonly starts: Uint8Array;
  /** [n, T] episode-start flags of the current rollout. */
  private readonly rolloutStarts: Float32Array;
  private pendingRaw: Float32Array | null = null;
  private readonly rows: Float32Array;
  /** Recurrent state of the training envs, and its copy at the start of the rollout. */
  private trainState: { s: RecurrentState } | undefined;
  private rolloutState0: RecurrentState | undefined;
  private actState: { s: RecurrentState } | undefined;
  private actStart = true;

  constructor(env: EnvInfo, config: Partial<A2cConfig> = {}, seed = 0) {
    this.config = resolveA2cConfig(config);
    checkConfig(this.config);
    const c = this.config;
    this.env = env;
    this.obs = observationInfo(env.observationSpace);
    this.action = actionInfo(env.actionSpace);
    this.rng = new Rng(seed);
    this.net = new PolicyNet(this.obs, this.action, { network: c.network, withValue: true, shared: c.sharedEncoder, recurrent: c.recurrent, initLogStd: c.initLogStd, fastAct: c.fastAct }, seed);
    this.optimizer = makeOptimizer(c.optimizer);
    this.rollout = new RolloutBuffer({
      numSteps: c.nSteps,
      numEnvs: c.numEnvs,
      observationShape: [this.obs.size],
      action: this.action.kind === 'discrete' ? { kind: 'discrete' } : { kind: 'continuous', dim: this.action.dim },
    });
    this.starts = new Uint8Array(c.numEnvs).fill(1);
    this.rolloutStarts = new Float32Array(c.numEnvs * c.nSteps);
    this.rows = new Float32Array(c.numEnvs * this.obs.size);
    if (this.net.core) {
      this.trainState = { s: this.net.initialState(c.numEnvs) };
      this.actState = { s: this.net.initialState(1) };
    }
  }

  get numEnvs(): number {
    return this.config.numEnvs;
  }

  /** A copy of the recurrent state of the training envs ([n × units] per state tensor), or null. */
  hiddenState(): Float32Array[] | null {
    return this.trainState ? this.trainState.s.map((s) => Float32Array.from(s.dataSync())) : null;
  }

  // ---------------------------------------------------------------------------------- acting

  act(observation: unknown, opts: ActOptions = {}): unknown {
    const row = this.rows.subarray(0, this.obs.size);
    writeObservation(observation, this.obs, row, 0);
    const reset = [this.actStart ? 1 : 0];
    this.actStart = false;
    return this.net.act(row, 1, opts.explore !== false, this.rng, this.actState, reset).envActions[0]!;
  }

  resetEpisode(): void {
    this.actStart = true;
  }

  explain(observation: unknown): ActionExplanation<unknown> {
    const row = new Float32Array(this.obs.size);
    writeObservation(observation, this.obs, row, 0);
    const d = this.net.describe(row, this.actStart ? undefined : this.actState?.s);
    const action = this.action.kind === 'discrete' ? this.action.start + argmax(d.probs!) : d.mean!;
    return { action, ...(d.probs ? { probs: d.probs } : {}), ...(d.value === undefined ? {} : { value: d.value }) };
  }

  trainAct(observations: readonly unknown[]): unknown[] {
    const n = this.numEnvs;
    if (observations.length !== n) throw new Error(`A2cAgent.trainAct: expected ${n} observations, got ${observations.length}`);
    for (let e = 0; e < n; e++) writeObservation(observations[e], this.obs, this.rows, e * this.obs.size);
    if (this.rollout.stepCount === 0 && this.trainState) {
      // Keep the state the rollout starts from: the update re-runs the core from it.
      if (this.rolloutState0) tf.dispose(this.rolloutState0);
      this.rolloutState0 = this.trainState.s.map((s) => s.clone());
    }
    const t = this.rollout.stepCount;
    for (let e = 0; e < n; e++) this.rolloutStarts[e * this.config.nSteps + t] = this.starts[e]!;
    const r = this.net.act(this.rows, n, true, this.rng, this.trainState, this.starts);
    this.starts.fill(0);
    this.pendingRaw = r.raw;
    return r.envActions;
  }

  // -------------------------------------------------------------------------------- learning

  observe(step: TrainStep): Metrics | null {
    if (!this.pendingRaw) throw new Error('A2cAgent.observe: call trainAct first');
    const c = this.config;
    const n = this.numEnvs;
    const rewards = new Float32Array(n);
    const truncationValues = new Float32Array(n).fill(NaN);
    for (let e = 0; e < n; e++) {
      rewards[e] = step.rewards[e]! * c.rewardScale;
      if (step.terminated[e] || step.truncated[e]) this.starts[e] = 1;
    }
    // A time limit is not a terminal state: bootstrap from V(final observation).
    for (let e = 0; e < n; e++) {
      if (step.truncated[e] && !step.terminated[e]) {
        const row = new Float32Array(this.obs.size);
        writeObservation(step.nextObservations[e], this.obs, row, 0);
        const state = this.trainState ? this.trainState.s.map((s) => s.slice([e, 0], [1, s.shape[1]])) : undefined;
        truncationValues[e] = this.net.values(row, 1, state)[0]!;
        if (state) tf.dispose(state);
      }
    }
    this.rollout.addBatch({
      observations: this.rows,
      actions: this.pendingRaw,
      rewards,
      terminated: step.terminated,
      truncated: step.truncated,
      truncationValues,
    });
    this.pendingRaw = null;
    this.envSteps += n;
    if (!this.rollout.full) return null;
    // The next observations, for V at the rollout's end.
    const next = new Float32Array(n * this.obs.size);
    for (let e = 0; e < n; e++) writeObservation(step.nextObservations[e], this.obs, next, e * this.obs.size);
    try {
      return this.update(next);
    } finally {
      this.rollout.reset();
    }
  }

  /** One gradient step on the full rollout; `nextRows` are the envs' observations after it. */
  update(nextRows: Float32Array): Metrics {
    const c = this.config;
    const n = this.numEnvs;
    const T = c.nSteps;
    const B = T * n;
    const buf = this.rollout;
    const seq = (): { numSteps: number; numEnvs: number; state: RecurrentState; resets: tf.Tensor2D } | undefined =>
      this.rolloutState0 ? { numSteps: T, numEnvs: n, state: this.rolloutState0, resets: tf.tensor2d(this.rolloutStarts, [n, T]) } : undefined;
    // V(s_t) for the advantages (no gradient), and V of the next observations for the bootstrap.
    const values = readTidy(() => {
      const s = seq();
      return this.net.forward(tf.tensor(buf.observations, [B, ...this.obs.shape]), s).out.value!;
    });
    buf.values.set(values);
    const lastValues = this.net.values(nextRows, n, this.trainState?.s, this.starts);
    if (c.advantage === 'gae') buf.computeGae({ gamma: c.gamma, lambda: c.gaeLambda, lastValues });
    else buf.computeNStepReturns({ gamma: c.gamma, nStep: T, lastValues });
    const advVar = variance(buf.advantages.subarray(0, B));
    if (c.normalizeAdvantages) buf.normalizeAdvantages();

    const dim = this.net.actionDim;
    const { loss, grads, parts } = tf.tidy(() => {
      const obs = tf.tensor(buf.observations, [B, ...this.obs.shape]);
      const actions = tf.tensor(buf.actions, dim === 1 && this.action.kind === 'discrete' ? [B] : [B, dim]);
      const adv = tf.tensor1d(buf.advantages.subarray(0, B));
      const ret = tf.tensor1d(buf.returns.subarray(0, B));
      const kept: { parts?: tf.Tensor } = {};
      const s = seq();
      const r = tf.variableGrads(() => {
        const { out } = this.net.forward(obs, s);
        const { logProb, entropy } = this.net.logProbEntropy(out, actions);
        const policyLoss = tf.neg(tf.mean(tf.mul(logProb, adv)));
        const valueLoss = tf.mean(tf.square(tf.sub(ret, out.value!)));
        const ent = tf.mean(entropy);
        kept.parts = tf.keep(tf.stack([policyLoss, valueLoss, ent]));
        return tf.add(policyLoss, tf.sub(tf.mul(c.valueCoef, valueLoss), tf.mul(c.entropyCoef, ent))) as tf.Scalar;
      }, this.net.variables);
      return { loss: r.value, grads: r.grads, parts: kept.parts! };
    });
    try {
      const [policyLoss, valueLoss, entropy] = Array.from(parts.dataSync());
      const step = { algo: 'A2C', lossName: 'loss', update: this.updates + 1, envSteps: this.envSteps, maxGradNorm: c.maxGradNorm };
      const { loss: lossValue, gradNorm } = applyPolicyStep(this.optimizer, loss, grads, step);
      this.net.markUpdated();
      this.updates++;
      return { loss: lossValue, policyLoss: policyLoss!, valueLoss: valueLoss!, entropy: entropy!, advVar, gradNorm };
    } finally {
      tf.dispose([loss, parts, ...Object.values(grads)]);
    }
  }

  // ----------------------------------------------------------------------------- persistence

  canCheckpoint(): boolean {
    return this.rollout.stepCount === 0;
  }

  async save(dir: string): Promise<void> {
    await this.net.save(dir);
    writeAgentFile(dir, this.algo, await saveEncoderSources(this.config, dir), this.env);
  }

  async load(dir: string): Promise<void> {
    await this.net.load(dir);
  }

  static fromSaved(dir: string): Promise<A2cAgent> {
    return restoreAgent<A2cConfig, A2cAgent>(dir, 'a2c', async (env, config) => new A2cAgent(env, await loadEncoderSources(config, dir)));
  }

  async saveState(dir: string): Promise<void> {
    if (!this.canCheckpoint()) throw new Error('A2cAgent.saveState: a rollout is in progress');
    await this.save(dir);
    await saveOptimizerState(this.optimizer, dir);
    writeJsonFile(join(dir, 'a2c.json'), {
      envSteps: this.envSteps,
      updates: this.updates,
      rng: this.rng.getState(),
      starts: Array.from(this.starts),
      state: this.trainState ? stateToArrays(this.trainState.s) : null,
    });
  }

  async loadState(dir: string): Promise<void> {
    const s = readJsonFile<{ envSteps: number; updates: number; rng: ReturnType<Rng['getState']>; starts: number[]; state: number[][] | null }>(
      join(dir, 'a2c.json'),
      'a2c state',
    );
    if (!Number.isInteger(s.envSteps) || !s.rng || !Array.isArray(s.starts) || s.starts.length !== this.numEnvs) throw new Error(`a2c state in ${dir} is corrupt`);
    await this.load(dir);
    await loadOptimizerState(this.optimizer, dir);
    this.envSteps = s.envSteps;
    this.updates = s.updates;
    this.rng.setState(s.rng);
    this.starts.set(s.starts);
    if (this.trainState && s.state) {
      tf.dispose(this.trainState.s);
      this.trainState.s = stateFromArrays(s.state, this.numEnvs, this.net.core!.units);
    }
    this.rollout.reset();
  }

  dispose(): void {
    this.net.dispose();
    this.optimizer.dispose();
    disposeLoadedSources(this.config);
    if (this.trainState) tf.dispose(this.trainState.s);
    if (this.actState) tf.dispose(this.actState.s);
    if (this.rolloutState0) tf.dispose(this.rolloutState0);
  }
}
