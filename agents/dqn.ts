// DQN (Mnih et al. 2015, "Human-level control through deep reinforcement learning"), CleanRL style:
// the config, its presets, the agent and its update step, top to bottom in one file.
//
// Options: double DQN (van Hasselt et al. 2016), dueling heads (Wang et al. 2016), n-step returns
// (Sutton 1988; Hessel et al. 2018), proportional prioritized replay with β annealed to 1 (Schaul
// et al. 2016), hard or Polyak target updates, Huber or squared loss, clipping by global norm.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../envs/rng.js';
import { compileDenseForward, type DenseForward } from '../nets/fastForward.js';
import { loadWeightsInto, saveModel } from '../nets/io.js';
import { duelingQHead, qHead } from '../nets/modules/heads.js';
import { makeOptimizer, rmspropDqnNature, rmspropMinAtar, type OptimizerConfig } from '../nets/optim/config.js';
import { applyGradients } from '../nets/optim/clip.js';
import { copyWeights, polyakUpdate } from '../nets/weights.js';
import { PrioritizedReplayBuffer } from '../replay/prioritizedReplayBuffer.js';
import { ReplayBuffer } from '../replay/replayBuffer.js';
import type { ReplayBatch } from '../replay/types.js';
import type { ActionExplanation, ActOptions } from './agent.js';
import { restoreAgent, writeAgentFile } from './agentFile.js';
import {
  NonFiniteError,
  actionInfo,
  argmax,
  linearDecay,
  loadOptimizerState,
  mergeConfig,
  observationInfo,
  readJsonFile,
  rowsTensor,
  saveOptimizerState,
  writeJsonFile,
  writeObservation,
  type ObsInfo,
} from './common.js';
import { buildModel, checkNetworkSpec, disposeLoadedSources, encoderBlock, isDenseModel, loadEncoderSources, saveEncoderSources, type NetworkSpec } from './networks.js';
import { noPreprocess, type PreprocessSpec } from './preprocess.js';
import type { Preset } from './presets.js';
import type { EnvInfo, Metrics, TrainStep, TrainableAgent } from './types.js';

// ------------------------------------------------------------------------------------------ config

export interface DqnConfig {
  /** Feature encoder before the Q head (built-in, or pretrained: frozen or fine-tuned, the target net gets its own copy). */
  network: NetworkSpec;
  /** Dueling head: Q = V + A − mean A. */
  dueling: boolean;
  /** Double DQN: the online net picks the next action, the target net values it. */
  double: boolean;
  /** Steps per return window (1 = one-step TD). */
  nStep: number;
  gamma: number;
  optimizer: OptimizerConfig;
  /** Replay capacity in transitions. */
  bufferSize: number;
  batchSize: number;
  /** Env steps of pure ε-greedy acting before the first update. */
  learningStarts: number;
  /** Env steps between updates… */
  trainFrequency: number;
  /** …and gradient steps per update. */
  gradientSteps: number;
  /** Env steps between target updates. */
  targetUpdateInterval: number;
  /** Target ← τ·online + (1 − τ)·target at each target update; 1 = hard copy. */
  tau: number;
  /** ε decays linearly from epsilonStart to epsilonEnd over explorationSteps env steps. */
  epsilonStart: number;
  epsilonEnd: number;
  explorationSteps: number;
  /** 'huber' (δ = 1, DQN's clipped TD error) or 'mse'. */
  loss: 'huber' | 'mse';
  /** Clip gradients to this global norm; 0 = no clipping. */
  maxGradNorm: number;
  /** Proportional prioritized replay. */
  prioritized: boolean;
  priorityAlpha: number;
  /** β starts here and rises linearly to 1 over priorityBetaSteps env steps. */
  priorityBeta: number;
  priorityBetaSteps: number;
  /** Env wrappers before the agent (pixel envs: grayscale, resize, frame stack). */
  preprocess: PreprocessSpec;
  /** Act through a plain-JS forward pass when the network is dense (much faster for small MLPs). */
  fastAct: boolean;
}

/** Defaults: CleanRL's dqn.py where it has a setting (γ 0.99, batch 128, Adam 2.5e-4, τ 1, train every 10). */
export const dqnDefaults: DqnConfig = {
  network: { type: 'mlp', hiddenSizes: [120, 84], activation: 'relu' },
  dueling: false,
  double: false,
  nStep: 1,
  gamma: 0.99,
  optimizer: { type: 'adam', learningRate: 2.5e-4 },
  bufferSize: 10_000,
  batchSize: 128,
  learningStarts: 10_000,
  trainFrequency: 10,
  gradientSteps: 1,
  targetUpdateInterval: 500,
  tau: 1,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  explorationSteps: 250_000,
  loss: 'huber',
  maxGradNorm: 0,
  prioritized: false,
  priorityAlpha: 0.6,
  priorityBeta: 0.4,
  priorityBetaSteps: 500_000,
  preprocess: noPreprocess,
  fastAct: true,
};

const atariPreprocess: PreprocessSpec = { grayscale: true, resize: [84, 84], frameSkip: 4, frameStack: 4, clipReward: true };

export const dqnPresets: Record<string, Preset<DqnConfig>> = {
  /**
   * Mnih et al. 2015 (Nature), Extended Data Table 1: Nature CNN on 4 stacked 84×84 gray frames,
   * RMSProp lr 2.5e-4 (centred, decays 0.95, min squared gradient 0.01), replay 1M, batch 32, target
   * update every 10k steps, ε 1 → 0.1 over the first 1M frames, replay start 50k, γ 0.99, an update
   * every 4 actions, action repeat 4, rewards clipped to [-1, 1], TD error clipped (Huber).
   */
  nature: {
    description: 'Nature DQN (Mnih et al. 2015) for Atari-like pixel envs',
    env: 'MinAtar/Breakout-v1',
    envKwargs: { obsType: 'rgb' },
    config: {
      network: { type: 'natureCnn' },
      optimizer: { ...rmspropDqnNature },
      bufferSize: 1_000_000,
      batchSize: 32,
      learningStarts: 50_000,
      trainFrequency: 4,
      gradientSteps: 1,
      targetUpdateInterval: 10_000,
      tau: 1,
      epsilonStart: 1,
      epsilonEnd: 0.1,
      explorationSteps: 1_000_000,
      gamma: 0.99,
      loss: 'huber',
      preprocess: atariPreprocess,
      fastAct: false,
    },
    train: { totalSteps: 10_000_000, evalEvery: 250_000, evalEpisodes: 10, checkpointEvery: 250_000 },
  },
  /**
   * Young & Tian 2019 (MinAtar), their DQN example: one 16×3×3 conv + dense 128, replay 100k, batch
   * 32, target update every 1000 frames, centred RMSProp lr 2.5e-4 (α 0.95, ε 0.01), ε 1 → 0.1 over
   * 100k frames, learning starts at 5000 frames, γ 0.99, an update every frame, 5M frames.
   */
  minatar: {
    description: 'MinAtar DQN (Young & Tian 2019) on the 10×10 channel observations',
    env: 'MinAtar/Breakout-v1',
    config: {
      network: { type: 'minatarCnn', featureSize: 128 },
      optimizer: { ...rmspropMinAtar },
      bufferSize: 100_000,
      batchSize: 32,
      learningStarts: 5000,
      trainFrequency: 1,
      gradientSteps: 1,
      targetUpdateInterval: 1000,
      tau: 1,
      epsilonStart: 1,
      epsilonEnd: 0.1,
      explorationSteps: 100_000,
      gamma: 0.99,
      loss: 'huber',
      fastAct: false,
    },
    train: { totalSteps: 5_000_000, evalEvery: 100_000, evalEpisodes: 10, checkpointEvery: 100_000 },
  },
  /**
   * CartPole-v1 from its 4 state variables. Tuned here (bench/agents.bench.ts) for few gradient
   * steps within 50k env steps, starting from rl-baselines3-zoo's earlier "almost tuned" preset
   * (lr 2.3e-3, batch 64, buffer 1e5, learning_starts 1000, final ε 0.04, [256, 256]) with a smaller
   * net, an update every 4 steps (the zoo: 128 per 256), double DQN, Polyak target updates and
   * gradient clipping for stability. Stops at the first evaluation ≥ 475.
   */
  cartpole: {
    description: 'DQN for CartPole-v1 (MLP, solves within 50k steps)',
    env: 'CartPole-v1',
    config: {
      network: { type: 'mlp', hiddenSizes: [128, 128], activation: 'relu' },
      optimizer: { type: 'adam', learningRate: 1e-3 },
      double: true,
      bufferSize: 50_000,
      batchSize: 64,
      learningStarts: 1000,
      trainFrequency: 4,
      gradientSteps: 1,
      targetUpdateInterval: 4,
      tau: 0.02,
      epsilonStart: 1,
      epsilonEnd: 0.04,
      explorationSteps: 8000,
      gamma: 0.99,
      loss: 'huber',
      maxGradNorm: 10,
      fastAct: true,
    },
    train: { totalSteps: 50_000, evalEvery: 2500, evalEpisodes: 10, checkpointEvery: 10_000, stopAtReturn: 475 },
  },
  /**
   * bsuite's Catch from 84×84 RGB pixels, grayscaled and area-resized to 20×10 (two pixels a cell):
   * one 8×3×3 conv and a dense 64 layer, Adam 1e-3, short ε schedule, double DQN with Polyak
   * targets. Catch is fully observed, so no frame stack. Tuned here: mean ≥ 0.9 in ~2000 steps.
   */
  catch: {
    description: 'DQN for Catch-v0 from pixels (small CNN on 20×10 gray frames)',
    env: 'Catch-v0',
    envKwargs: { obsType: 'rgb' },
    config: {
      network: { type: 'smallCnn', filters: [8], kernelSizes: [3], strides: [1], hidden: 64 },
      optimizer: { type: 'adam', learningRate: 1e-3 },
      double: true,
      bufferSize: 10_000,
      batchSize: 32,
      learningStarts: 300,
      trainFrequency: 4,
      gradientSteps: 1,
      targetUpdateInterval: 4,
      tau: 0.05,
      epsilonStart: 1,
      epsilonEnd: 0.05,
      explorationSteps: 2000,
      gamma: 0.99,
      loss: 'huber',
      maxGradNorm: 10,
      preprocess: { grayscale: true, resize: [20, 10], frameSkip: 1, frameStack: 1, clipReward: false },
      fastAct: false,
    },
    train: { totalSteps: 6000, evalEvery: 1000, evalEpisodes: 20, checkpointEvery: 2000, stopAtReturn: 0.95 },
  },
};

export function resolveDqnConfig(config: Partial<DqnConfig> = {}): DqnConfig {
  return mergeConfig(dqnDefaults, config);
}

function checkConfig(c: DqnConfig, obs: ObsInfo): void {
  const where = 'dqn config';
  checkNetworkSpec(c.network, obs, where);
  const posInt = (k: keyof DqnConfig) => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${where}: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  (['nStep', 'bufferSize', 'batchSize', 'trainFrequency', 'gradientSteps', 'targetUpdateInterval'] as const).forEach(posInt);
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw new Error(`${where}: gamma must be in [0, 1], got ${c.gamma}`);
  if (!(c.tau > 0 && c.tau <= 1)) throw new Error(`${where}: tau must be in (0, 1], got ${c.tau}`);
  if (!(c.learningStarts >= 0)) throw new Error(`${where}: learningStarts must be ≥ 0`);
  if (c.loss !== 'huber' && c.loss !== 'mse') throw new Error(`${where}: loss must be 'huber' or 'mse', got ${JSON.stringify(c.loss)}`);
  if (!(c.maxGradNorm >= 0)) throw new Error(`${where}: maxGradNorm must be ≥ 0`);
}

/**
 * Target ← τ·online + (1 − τ)·target for the trainable weights; the others (a frozen encoder,
 * batch-norm statistics) are copied exactly, as SB3 does, so a frozen encoder never drifts by rounding.
 */
function softTargetUpdate(online: tf.LayersModel, target: tf.LayersModel, tau: number): void {
  const trainable = online.trainableWeights;
  if (trainable.length === online.weights.length) return polyakUpdate(online, target, tau);
  const fixed = online.nonTrainableWeights;
  const [tTrainable, tFixed] = [target.trainableWeights, target.nonTrainableWeights];
  if (tTrainable.length !== trainable.length || tFixed.length !== fixed.length) throw new Error('DQN: the online and target nets freeze different weights');
  tf.tidy(() => {
    trainable.forEach((w, i) => tTrainable[i]!.write(tf.add(tf.mul(w.read(), tau), tf.mul(tTrainable[i]!.read(), 1 - tau))));
    fixed.forEach((w, i) => tFixed[i]!.write(w.read()));
  });
}

// ------------------------------------------------------------------------------------------- agent

export class DqnAgent implements TrainableAgent<unknown, number> {
  readonly algo = 'dqn';
  readonly numEnvs = 1;
  readonly config: DqnConfig;
  readonly env: EnvInfo;
  readonly online: tf.LayersModel;
  readonly target: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  /** Env steps observed and gradient updates made. */
  envSteps = 0;
  updates = 0;
  private readonly obs: ObsInfo;
  private readonly numActions: number;
  private readonly actionStart: number;
  private readonly rng: Rng;
  private readonly seed: number;
  private replayBuffer: ReplayBuffer | null = null;
  private batchBuf: ReplayBatch | null = null;
  private readonly fast: DenseForward | null;
  private fastStale = false;
  private readonly inputBuf: Float32Array;
  private readonly variables: tf.Variable[];

  constructor(env: EnvInfo, config: Partial<DqnConfig> = {}, seed = 0) {
    this.config = resolveDqnConfig(config);
    this.env = env;
    this.obs = observationInfo(env.observationSpace);
    const act = actionInfo(env.actionSpace);
    if (act.kind !== 'discrete') throw new TypeError(`DQN needs a Discrete action space, got ${String(env.actionSpace)}`);
    this.numActions = act.n;
    this.actionStart = act.start;
    checkConfig(this.config, this.obs);
    this.seed = seed;
    this.rng = new Rng(seed);
    this.online = this.buildNet(seed);
    this.target = this.buildNet(seed);
    copyWeights(this.online, this.target);
    this.optimizer = makeOptimizer(this.config.optimizer);
    this.variables = this.online.trainableWeights.map((w) => w.read() as tf.Variable);
    this.fast = this.config.fastAct && isDenseModel(this.online) ? compileDenseForward(this.online) : null;
    this.inputBuf = new Float32Array(this.obs.size);
  }

  private buildNet(seed: number): tf.LayersModel {
    const c = this.config;
    const head = c.dueling ? duelingQHead({ numActions: this.numActions, seed: seed + 7 }) : qHead({ numActions: this.numActions, seed: seed + 7 });
    return buildModel(this.obs, encoderBlock(c.network, this.obs, seed), (f) => [head(f)], 'dqn');
  }

  /** The replay buffer, created on first use (a loaded agent that only acts never allocates it). */
  get replay(): ReplayBuffer {
    if (this.replayBuffer === null) {
      const c = this.config;
      const k = c.preprocess.frameStack;
      const stacked = k > 1 && this.obs.image && this.obs.shape[2]! % k === 0;
      const frameShape = stacked ? [this.obs.shape[0]!, this.obs.shape[1]!, this.obs.shape[2]! / k] : this.obs.shape;
      const base = {
        capacity: c.bufferSize,
        observationShape: frameShape,
        observationDtype: this.obs.dtype,
        frameStack: stacked ? k : 1,
        nStep: c.nStep,
        gamma: c.gamma,
        seed: this.seed + 1,
      };
      this.replayBuffer = c.prioritized ? new PrioritizedReplayBuffer({ ...base, alpha: c.priorityAlpha, beta: c.priorityBeta }) : new ReplayBuffer(base);
    }
    return this.replayBuffer;
  }

  /** ε at the current env step. */
  get epsilon(): number {
    const c = this.config;
    return linearDecay(c.epsilonStart, c.epsilonEnd, c.explorationSteps, this.envSteps);
  }

  // ---------------------------------------------------------------------------------- acting

  /** Q-values of one observation (a buffer the next call overwrites). */
  qValues(observation: unknown): Float32Array {
    writeObservation(observation, this.obs, this.inputBuf, 0);
    if (this.fast) {
      if (this.fastStale) {
        this.fast.refresh();
        this.fastStale = false;
      }
      return this.fast.forward(this.inputBuf);
    }
    const q = tf.tidy(() => this.online.predict(tf.tensor(this.inputBuf, [1, ...this.obs.shape])) as tf.Tensor);
    const v = q.dataSync() as Float32Array;
    q.dispose();
    return v;
  }

  act(observation: unknown, opts: ActOptions = {}): number {
    if (opts.explore !== false && this.rng.random() < this.epsilon) return this.actionStart + this.rng.int(this.numActions);
    return this.actionStart + argmax(this.qValues(observation));
  }

  explain(observation: unknown): ActionExplanation<number> {
    const q = Float32Array.from(this.qValues(observation));
    return { action: this.actionStart + argmax(q), qValues: q };
  }

  trainAct(observations: readonly unknown[]): number[] {
    return [this.act(observations[0], { explore: true })];
  }

  status(): Metrics {
    const s: Metrics = { epsilon: this.epsilon };
    if (this.config.prioritized) s['beta'] = this.beta;
    return s;
  }

  private get beta(): number {
    const c = this.config;
    return linearDecay(c.priorityBeta, 1, c.priorityBetaSteps, this.envSteps);
  }

  // -------------------------------------------------------------------------------- learning

  private stored(observation: unknown): unknown {
    if (!this.obs.discrete) return observation;
    const v = new Float32Array(this.obs.size);
    writeObservation(observation, this.obs, v, 0);
    return v;
  }

  observe(step: TrainStep<unknown, number>): Metrics | null {
    const c = this.config;
    this.replay.add({
      observation: this.stored(step.observations[0]) as ArrayLike<number>,
      action: step.actions[0]! - this.actionStart,
      reward: step.rewards[0]!,
      terminated: step.terminated[0] === 1,
      truncated: step.truncated[0] === 1,
      nextObservation: this.stored(step.nextObservations[0]) as ArrayLike<number>,
    });
    this.envSteps++;
    let metrics: Metrics | null = null;
    if (this.envSteps > c.learningStarts && this.envSteps % c.trainFrequency === 0 && this.replay.canSample()) {
      let loss = 0;
      let qMean = 0;
      let gradNorm = 0;
      for (let g = 0; g < c.gradientSteps; g++) {
        const m = this.update();
        loss += m.loss;
        qMean += m.qMean;
        gradNorm += m.gradNorm;
      }
      metrics = { loss: loss / c.gradientSteps, qMean: qMean / c.gradientSteps, gradNorm: gradNorm / c.gradientSteps };
    }
    if (this.envSteps > c.learningStarts && this.envSteps % c.targetUpdateInterval === 0) {
      if (c.tau >= 1) copyWeights(this.online, this.target);
      else softTargetUpdate(this.online, this.target, c.tau);
    }
    return metrics;
  }

  /** One gradient step on a sampled batch. Throws NonFiniteError (before touching the weights) on a NaN/Inf loss. */
  update(): { loss: number; qMean: number; gradNorm: number } {
    const c = this.config;
    const replay = this.replay;
    if (replay instanceof PrioritizedReplayBuffer) replay.setBeta(this.beta);
    this.batchBuf ??= replay.createBatch(c.batchSize);
    const batch = replay.sample(c.batchSize, this.batchBuf);
    const B = batch.batchSize;
    const shape = replay.sampleShape;
    const kept: { td?: tf.Tensor } = {};
    const { loss, grads, qMean } = tf.tidy(() => {
      const obs = rowsTensor(batch.observations, B, shape);
      const next = rowsTensor(batch.nextObservations, B, shape);
      const actions = tf.oneHot(tf.tensor1d(batch.actions as Int32Array, 'int32'), this.numActions);
      // y = r + γ^m (1 − terminated) Q_target(s', a*), a* from the online net (double) or the target net.
      const qNextTarget = this.target.predict(next) as tf.Tensor2D;
      const qNext = c.double
        ? tf.sum(tf.mul(qNextTarget, tf.oneHot(tf.argMax(this.online.predict(next) as tf.Tensor2D, 1), this.numActions)), 1)
        : tf.max(qNextTarget, 1);
      const notDone = tf.sub(1, tf.tensor1d(batch.terminated));
      const y = tf.add(tf.tensor1d(batch.rewards), tf.mul(tf.mul(tf.tensor1d(batch.discounts), notDone), qNext));
      const weights = tf.tensor1d(batch.weights);
      const inner: { qa?: tf.Tensor } = {};
      const { value, grads } = tf.variableGrads(() => {
        const q = this.online.apply(obs, { training: true }) as tf.Tensor2D;
        const qa = tf.sum(tf.mul(q, actions), 1);
        const err = tf.sub(y, qa);
        kept.td = tf.keep(err);
        inner.qa = tf.keep(qa);
        const abs = tf.abs(err);
        // Huber with δ = 1 as ½·min(|e|, 1)² + (|e| − min(|e|, 1)): quadratic inside, linear outside.
        const quad = tf.minimum(abs, 1);
        const perSample = c.loss === 'huber' ? tf.add(tf.mul(0.5, tf.square(quad)), tf.sub(abs, quad)) : tf.square(err);
        return tf.mean(tf.mul(weights, perSample)) as tf.Scalar;
      }, this.variables);
      const qMean = tf.mean(inner.qa!);
      inner.qa!.dispose();
      return { loss: value, grads, qMean };
    });
    const tdTensor = kept.td ?? null;
    try {
      const lossValue = loss.dataSync()[0]!;
      const qMeanValue = qMean.dataSync()[0]!;
      if (!Number.isFinite(lossValue)) {
        throw new NonFiniteError(`DQN loss is ${lossValue} at update ${this.updates + 1} (env step ${this.envSteps}); the weights were not changed`);
      }
      // Without clipping the norm is not measured (reported as 0), as before.
      const gradNorm =
        applyGradients(this.optimizer, grads, {
          maxGradNorm: c.maxGradNorm,
          nonFinite: (n) => new NonFiniteError(`DQN gradient norm is ${n} at update ${this.updates + 1}; the weights were not changed`),
        }).gradNorm ?? 0;
      if (replay instanceof PrioritizedReplayBuffer && tdTensor) replay.updatePriorities(batch.indices, tdTensor.dataSync());
      this.updates++;
      this.fastStale = true;
      return { loss: lossValue, qMean: qMeanValue, gradNorm };
    } finally {
      tf.dispose([loss, qMean, ...Object.values(grads)]);
      if (tdTensor) tdTensor.dispose();
    }
  }

  // ----------------------------------------------------------------------------- persistence

  canCheckpoint(): boolean {
    return true;
  }

  /** Saves what acting needs: agent.json and the online network. */
  async save(dir: string): Promise<void> {
    await saveModel(this.online, join(dir, 'q'));
    writeAgentFile(dir, this.algo, await saveEncoderSources(this.config, dir), this.env);
  }

  /** Loads the online (and target) network weights saved by `save`. */
  async load(dir: string): Promise<void> {
    await loadWeightsInto(this.online, join(dir, 'q'));
    copyWeights(this.online, this.target);
    this.fastStale = true;
  }

  static fromSaved(dir: string): Promise<DqnAgent> {
    return restoreAgent<DqnConfig, DqnAgent>(dir, 'dqn', async (env, config) => new DqnAgent(env, await loadEncoderSources(config, dir)));
  }

  async saveState(dir: string): Promise<void> {
    await saveModel(this.online, join(dir, 'online'));
    await saveModel(this.target, join(dir, 'target'));
    await saveOptimizerState(this.optimizer, dir);
    this.replay.save(join(dir, 'replay.bin'));
    writeJsonFile(join(dir, 'dqn.json'), { envSteps: this.envSteps, updates: this.updates, rng: this.rng.getState() });
  }

  async loadState(dir: string): Promise<void> {
    const s = readJsonFile<{ envSteps: number; updates: number; rng: ReturnType<Rng['getState']> }>(join(dir, 'dqn.json'), 'dqn state');
    if (!Number.isInteger(s.envSteps) || !Number.isInteger(s.updates) || !s.rng) throw new Error(`dqn state in ${dir} is corrupt`);
    await loadWeightsInto(this.online, join(dir, 'online'));
    await loadWeightsInto(this.target, join(dir, 'target'));
    await loadOptimizerState(this.optimizer, dir);
    this.replay.loadFrom(join(dir, 'replay.bin'));
    this.envSteps = s.envSteps;
    this.updates = s.updates;
    this.rng.setState(s.rng);
    this.fastStale = true;
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
    disposeLoadedSources(this.config);
  }
}
