// The policy network the policy-gradient agents (REINFORCE, A2C) share: an encoder, an optional
// recurrent core (LSTM/GRU from nets), a categorical head for Discrete actions or a Gaussian head with
// a state-independent log-std for Box actions, and optionally a value head (shared trunk or its own
// encoder). Also the distributions' log-probabilities and entropies.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../envs/rng.js';
import { compileDenseForward, type DenseForward } from '../nets/fastForward.js';
import { loadWeightsInto, saveModel } from '../nets/io.js';
import { categoricalPolicyHead, gaussianPolicyHead, valueHead } from '../nets/modules/heads.js';
import { inputOf } from '../nets/modules/layers.js';
import { uniqueLayerName } from '../nets/modules/naming.js';
import { RecurrentCore, type RecurrentState } from '../nets/modules/recurrent.js';
import { argmax, clipAction, readTidy, softmaxInto, type ActionInfo, type ObsInfo } from './common.js';
import { buildModel, checkNetworkSpec, encoderBlock, isDenseModel, type NetworkSpec } from './networks.js';

export interface RecurrentSpec {
  kind: 'lstm' | 'gru';
  units: number;
}

export interface PolicyNetConfig {
  network: NetworkSpec;
  /** A value head V(s) beside the policy. */
  withValue: boolean;
  /** Value head on the policy's encoder (true) or on an encoder of its own (false). */
  shared: boolean;
  /** An LSTM/GRU core after the encoder (shared trunk only), or null. */
  recurrent: RecurrentSpec | null;
  /** Starting log σ of a Gaussian policy. */
  initLogStd: number;
  /** Act through a plain-JS forward pass when possible (dense, not recurrent). */
  fastAct: boolean;
}

/** What the network says about a batch of observations. */
export interface PolicyOutputs {
  /** Categorical: unnormalized log-probabilities [B, n]. */
  logits?: tf.Tensor2D;
  /** Gaussian: mean [B, dim] and log σ [B, dim]. */
  mean?: tf.Tensor2D;
  logStd?: tf.Tensor2D;
  /** V(s) [B] when the net has a value head. */
  value?: tf.Tensor1D;
}

/** A recurrent forward over a [T, n] rollout (index t·n + e). */
export interface SequenceSpec {
  numSteps: number;
  numEnvs: number;
  /** Core state at the start of the rollout, [n, units] each. */
  state: RecurrentState;
  /** [n, T]: 1 where env e starts an episode at step t (its state is zeroed first). */
  resets: tf.Tensor2D;
}

/** One acting step's result for a batch of envs (plain arrays). */
export interface ActResult {
  /** Actions for the env (clipped to the Box), one per row. */
  envActions: Array<number | Float32Array | Float64Array>;
  /** Actions as sampled (unclipped, 0-based for Discrete), for log-probabilities. */
  raw: Float32Array;
}

export class PolicyNet {
  readonly obs: ObsInfo;
  readonly action: ActionInfo;
  readonly config: PolicyNetConfig;
  /** Non-recurrent: the whole net. Recurrent: the encoder (obs → features). */
  readonly trunk: tf.LayersModel;
  readonly core: RecurrentCore | null;
  /** Recurrent only: core output → [policy outputs, value]. */
  readonly head: tf.LayersModel | null;
  readonly variables: tf.Variable[];
  /** Number of raw action values per step: 1 (Discrete index) or the Box dimension. */
  readonly actionDim: number;
  private readonly policyOutputs: number;
  private readonly fast: DenseForward | null;
  private fastStale = false;
  private logStdCache: Float32Array | null = null;
  private readonly probs: Float32Array;
  private readonly inputBuf: Float32Array;

  constructor(obs: ObsInfo, action: ActionInfo, config: PolicyNetConfig, seed: number) {
    checkNetworkSpec(config.network, obs, 'policy network');
    if (config.recurrent && !['lstm', 'gru'].includes(config.recurrent.kind))
      throw new Error(`recurrent.kind must be 'lstm' or 'gru', got ${JSON.stringify(config.recurrent.kind)}`);
    if (config.recurrent && config.withValue && !config.shared)
      throw new Error('a recurrent policy needs shared: true (the value head reads the recurrent core)');
    this.obs = obs;
    this.action = action;
    this.config = config;
    this.actionDim = action.kind === 'discrete' ? 1 : action.dim;
    this.policyOutputs = action.kind === 'discrete' ? 1 : 2;
    const heads = (f: tf.SymbolicTensor, valueFeatures: tf.SymbolicTensor | null): tf.SymbolicTensor[] => {
      const out: tf.SymbolicTensor[] =
        action.kind === 'discrete'
          ? [categoricalPolicyHead({ numActions: action.n, seed: seed + 11 })(f)]
          : gaussianPolicyHead({ actionSize: action.dim, initLogStd: config.initLogStd, seed: seed + 11 })(f);
      if (config.withValue) out.push(valueHead({ seed: seed + 13 })(valueFeatures ?? f));
      return out;
    };
    if (config.recurrent) {
      this.trunk = buildModel(obs, encoderBlock(config.network, obs, seed), (f) => [f], 'policy_encoder');
      const features = this.trunk.outputs[0]!.shape[1] as number;
      this.core = new RecurrentCore({ kind: config.recurrent.kind, inputSize: features, units: config.recurrent.units, seed: seed + 17 });
      const input = inputOf([config.recurrent.units], 'core_output');
      this.head = tf.model({ inputs: input, outputs: heads(input, null), name: uniqueLayerName('policy_head') });
    } else {
      const enc = encoderBlock(config.network, obs, seed);
      const valueEnc = config.withValue && !config.shared ? encoderBlock(config.network, obs, seed + 1000) : null;
      this.trunk = buildModel(obs, (x) => x, (x) => heads(enc(x), valueEnc ? valueEnc(x) : null), 'policy');
      this.core = null;
      this.head = null;
    }
    const models = [this.trunk, ...(this.core ? [this.core.model] : []), ...(this.head ? [this.head] : [])];
    this.variables = models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
    this.fast = config.fastAct && !config.recurrent && isDenseModel(this.trunk) ? compileDenseForward(this.trunk, { outputIndex: 0 }) : null;
    this.probs = new Float32Array(action.kind === 'discrete' ? action.n : 0);
    this.inputBuf = new Float32Array(obs.size);
  }

  /** Call after every optimizer step: the plain-JS forward re-reads the weights lazily. */
  markUpdated(): void {
    this.fastStale = true;
    this.logStdCache = null;
  }

  // --------------------------------------------------------------------------- tensors (training)

  /** Outputs for a batch [B, ...obs]; with `seq`, B = T·n and the core runs over the rollout. */
  forward(obs: tf.Tensor, seq?: SequenceSpec): { out: PolicyOutputs; state?: RecurrentState } {
    if (!this.core) return { out: this.split(this.trunk.apply(obs, { training: true }) as tf.Tensor | tf.Tensor[]) };
    const features = this.trunk.apply(obs, { training: true }) as tf.Tensor2D;
    const F = features.shape[1];
    if (!seq) throw new Error('PolicyNet.forward: a recurrent policy needs the rollout layout (seq)');
    const { numSteps: T, numEnvs: n } = seq;
    const x = tf.transpose(tf.reshape(features, [T, n, F]), [1, 0, 2]) as tf.Tensor3D;
    const r = this.core.sequence(x, seq.state, seq.resets);
    const u = this.core.units;
    const flat = tf.reshape(tf.transpose(r.outputs, [1, 0, 2]), [T * n, u]);
    return { out: this.split(this.head!.apply(flat) as tf.Tensor | tf.Tensor[]), state: r.state };
  }

  private split(outputs: tf.Tensor | tf.Tensor[]): PolicyOutputs {
    const list = Array.isArray(outputs) ? outputs : [outputs];
    const out: PolicyOutputs = {};
    if (this.action.kind === 'discrete') out.logits = list[0] as tf.Tensor2D;
    else {
      out.mean = list[0] as tf.Tensor2D;
      out.logStd = list[1] as tf.Tensor2D;
    }
    if (this.config.withValue) out.value = tf.reshape(list[this.policyOutputs]!, [-1]) as tf.Tensor1D;
    return out;
  }

  /** log π(a|s) [B] and the entropy [B] of the policy's distribution; `actions` as from `ActResult.raw`. */
  logProbEntropy(out: PolicyOutputs, actions: tf.Tensor): { logProb: tf.Tensor1D; entropy: tf.Tensor1D } {
    if (this.action.kind === 'discrete') {
      const logp = tf.logSoftmax(out.logits!);
      const onehot = tf.oneHot(tf.cast(tf.reshape(actions, [-1]), 'int32'), this.action.n);
      const logProb = tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D;
      const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1)) as tf.Tensor1D;
      return { logProb, entropy };
    }
    // Diagonal Gaussian: log N(a; μ, σ) = Σ −½((a − μ)/σ)² − log σ − ½ log 2π; H = Σ log σ + ½ log 2πe.
    const z = tf.div(tf.sub(actions, out.mean!), tf.exp(out.logStd!));
    const logProb = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), out.logStd!), 0.5 * Math.log(2 * Math.PI)), 1) as tf.Tensor1D;
    const entropy = tf.sum(tf.add(out.logStd!, 0.5 * Math.log(2 * Math.PI * Math.E)), 1) as tf.Tensor1D;
    return { logProb, entropy };
  }

  // ------------------------------------------------------------------------------ acting (plain)

  /**
   * Acts for `n` observation rows. Sampling draws from `rng`; greedy takes the mode. Recurrent nets
   * advance `state` (replaced in place in the array; the old tensors are disposed) after zeroing the
   * rows flagged in `resets`.
   */
  act(rows: Float32Array, n: number, explore: boolean, rng: Rng, state?: { s: RecurrentState }, resets?: ArrayLike<number>): ActResult {
    const outs = this.policyRows(rows, n, state, resets);
    const raw = new Float32Array(n * this.actionDim);
    const envActions: Array<number | Float32Array | Float64Array> = [];
    const a = this.action;
    for (let i = 0; i < n; i++) {
      if (a.kind === 'discrete') {
        const k = explore ? rng.categorical(softmaxInto(outs.first, this.probs, i * a.n, a.n)) : argmax(outs.first, i * a.n, a.n);
        raw[i] = k;
        envActions.push(k + a.start);
      } else {
        for (let d = 0; d < a.dim; d++) {
          const mean = outs.first[i * a.dim + d]!;
          raw[i * a.dim + d] = explore ? mean + Math.exp(outs.logStd![d]!) * rng.normal() : mean;
        }
        envActions.push(clipAction(raw.subarray(i * a.dim, (i + 1) * a.dim), a));
      }
    }
    return { envActions, raw };
  }

  /**
   * Action probabilities (Discrete) or the mean (Box) and V(s) of one observation, for `explain`.
   * A recurrent net reads `state` without advancing it.
   */
  describe(row: Float32Array, state?: RecurrentState): { probs?: Float32Array; mean?: Float32Array; value?: number } {
    const scratch = state ? { s: state.map((t) => t.clone()) } : this.core ? { s: this.core.initialState(1) } : undefined;
    let outs: { first: Float32Array; value?: Float32Array };
    try {
      outs = this.tensorRows(row, 1, scratch, undefined, true);
    } finally {
      if (scratch) tf.dispose(scratch.s);
    }
    const value = outs.value?.[0];
    if (this.action.kind === 'discrete') return { probs: softmaxInto(outs.first, new Float32Array(this.action.n), 0, this.action.n), ...(value === undefined ? {} : { value }) };
    return { mean: Float32Array.from(outs.first), ...(value === undefined ? {} : { value }) };
  }

  private policyRows(rows: Float32Array, n: number, state?: { s: RecurrentState }, resets?: ArrayLike<number>): { first: Float32Array; logStd?: Float32Array } {
    if (this.fast && !state) {
      if (this.fastStale) {
        this.fast.refresh();
        this.fastStale = false;
      }
      const size = this.obs.size;
      const width = this.fast.outputSize;
      const first = new Float32Array(n * width);
      for (let i = 0; i < n; i++) {
        this.inputBuf.set(rows.subarray(i * size, (i + 1) * size));
        first.set(this.fast.forward(this.inputBuf), i * width);
      }
      return { first, ...(this.action.kind === 'continuous' ? { logStd: this.logStd() } : {}) };
    }
    const outs = this.tensorRows(rows, n, state, resets, false);
    return { first: outs.first, ...(outs.logStd ? { logStd: outs.logStd } : {}) };
  }

  /** The current log σ vector (Gaussian policies). */
  logStd(): Float32Array {
    if (this.logStdCache) return this.logStdCache;
    const model = this.head ?? this.trunk;
    const layer = model.layers.find((l) => l.getClassName() === 'PixelgymLogStdParameter');
    if (!layer) throw new Error('PolicyNet: no log-std parameter');
    this.logStdCache = Float32Array.from(layer.getWeights()[0]!.dataSync());
    return this.logStdCache;
  }

  private tensorRows(
    rows: Float32Array,
    n: number,
    state: { s: RecurrentState } | undefined,
    resets: ArrayLike<number> | undefined,
    withValue: boolean,
  ): { first: Float32Array; logStd?: Float32Array; value?: Float32Array } {
    const x = tf.tensor(rows.subarray(0, n * this.obs.size), [n, ...this.obs.shape]);
    try {
      let outputs: tf.Tensor[];
      if (this.core) {
        if (!state) throw new Error('PolicyNet: a recurrent policy needs its state');
        const next = tf.tidy(() => {
          const f = this.trunk.predict(x) as tf.Tensor2D;
          const r = this.core!.step(f, state.s, resets);
          const o = this.head!.predict(r.output) as tf.Tensor | tf.Tensor[];
          return { o: Array.isArray(o) ? o : [o], s: r.state };
        });
        tf.dispose(state.s);
        state.s = next.s;
        outputs = next.o;
      } else {
        const o = tf.tidy(() => this.trunk.predict(x) as tf.Tensor | tf.Tensor[]);
        outputs = Array.isArray(o) ? o : [o];
      }
      try {
        const first = outputs[0]!.dataSync() as Float32Array;
        const logStd = this.action.kind === 'continuous' ? (outputs[1]!.dataSync() as Float32Array).slice(0, this.actionDim) : undefined;
        const value = withValue && this.config.withValue ? (outputs[this.policyOutputs]!.dataSync() as Float32Array) : undefined;
        return { first, ...(logStd ? { logStd } : {}), ...(value ? { value } : {}) };
      } finally {
        tf.dispose(outputs);
      }
    } finally {
      x.dispose();
    }
  }

  /**
   * V(s) for a batch of rows, without gradients (for bootstrapping). A recurrent net steps its core
   * once from `state` (rows flagged in `resets` start from zero) and leaves `state` unchanged.
   */
  values(rows: Float32Array, n: number, state?: RecurrentState, resets?: ArrayLike<number>): Float32Array {
    if (!this.config.withValue) throw new Error('PolicyNet.values: this net has no value head');
    return readTidy(() => {
      const x = tf.tensor(rows.subarray(0, n * this.obs.size), [n, ...this.obs.shape]);
      let outputs: tf.Tensor | tf.Tensor[];
      if (this.core) {
        const f = this.trunk.predict(x) as tf.Tensor2D;
        outputs = this.head!.predict(this.core.step(f, state ?? this.core.initialState(n), resets).output) as tf.Tensor[];
      } else outputs = this.trunk.predict(x) as tf.Tensor[];
      const list = Array.isArray(outputs) ? outputs : [outputs];
      return list[this.policyOutputs]!;
    });
  }

  initialState(n: number): RecurrentState {
    if (!this.core) throw new Error('PolicyNet: not recurrent');
    return this.core.initialState(n);
  }

  // ------------------------------------------------------------------------------- persistence

  async save(dir: string): Promise<void> {
    await saveModel(this.trunk, join(dir, 'policy'));
    if (this.core) await saveModel(this.core.model, join(dir, 'core'));
    if (this.head) await saveModel(this.head, join(dir, 'head'));
  }

  async load(dir: string): Promise<void> {
    await loadWeightsInto(this.trunk, join(dir, 'policy'));
    if (this.core) await loadWeightsInto(this.core.model, join(dir, 'core'));
    if (this.head) await loadWeightsInto(this.head, join(dir, 'head'));
    this.markUpdated();
  }

  dispose(): void {
    this.trunk.dispose();
    this.core?.dispose();
    this.head?.dispose();
  }
}

/** A separate state-value network V(s) (REINFORCE's learned baseline). */
export function buildValueNet(obs: ObsInfo, network: NetworkSpec, seed: number): tf.LayersModel {
  checkNetworkSpec(network, obs, 'value network');
  return buildModel(obs, encoderBlock(network, obs, seed), (f) => [valueHead({ seed: seed + 13 })(f)], 'value');
}

/** Copies a recurrent state to plain arrays (checkpoints) and back. */
export function stateToArrays(state: RecurrentState): number[][] {
  return state.map((s) => Array.from(s.dataSync()));
}

export function stateFromArrays(arrays: number[][], n: number, units: number): RecurrentState {
  return arrays.map((a) => tf.tensor2d(a, [n, units]));
}
