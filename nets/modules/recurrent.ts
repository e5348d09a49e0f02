// Recurrent cores (vanilla RNN, LSTM, GRU) for partially observed tasks: cs231n ch. 9.1–9.2 (RNNs,
// truncated backpropagation through time); LSTM Hochreiter & Schmidhuber 1997, GRU Cho et al. 2014.
import * as tf from '@tensorflow/tfjs';
import { initializer } from './layers.js';
import { uniqueLayerName } from './naming.js';
import { deriveSeed } from './seeds.js';
import type { Init } from './types.js';

export type RecurrentKind = 'simpleRnn' | 'lstm' | 'gru';

export interface RecurrentCoreConfig {
  kind: RecurrentKind;
  /** Features per time step. */
  inputSize: number;
  /** Hidden units (the output size). Default 64. */
  units?: number;
  /** Input-kernel init. Default 'glorotUniform'; the recurrent kernel is (seeded) orthogonal. */
  init?: Init;
  /** Default 0. */
  seed?: number;
}

/** Hidden state: [h] for SimpleRNN and GRU, [h, c] for LSTM, each [batch, units]. */
export type RecurrentState = tf.Tensor2D[];

/** A 0/1 flag per batch row (1 = an episode starts here: zero the state first), as a tensor or numbers. */
export type ResetMask = tf.Tensor | ArrayLike<number>;

export interface StepOutput {
  output: tf.Tensor2D;
  state: RecurrentState;
}

export interface SequenceOutput {
  /** [batch, time, units]. */
  outputs: tf.Tensor3D;
  state: RecurrentState;
}

type RnnLayer = ReturnType<typeof tf.layers.rnn>;
const CLASS_OF: Record<RecurrentKind, string> = { simpleRnn: 'SimpleRNN', lstm: 'LSTM', gru: 'GRU' };

/**
 * A recurrent core that carries its hidden state across single environment steps (`step`) and runs over
 * [batch, time, features] segments for truncated BPTT (`sequence`). Both share one set of weights; the
 * persisted form is `model` ([batch, time, inputSize] → [outputs, ...final states]), so saveModel and
 * loadModel work on it and `RecurrentCore.fromModel` rebuilds the core.
 *
 * Gradients flow through every step of a segment. Between segments the state is a plain tensor: a new
 * gradient tape does not see how it was computed, so it is detached automatically. Inside a gradient
 * closure use `keepState` on the final state to carry it out of the closure's tidy scope.
 */
export class RecurrentCore {
  readonly kind: RecurrentKind;
  readonly inputSize: number;
  readonly units: number;
  readonly model: tf.LayersModel;
  private readonly rnn: RnnLayer;

  constructor(config: RecurrentCoreConfig);
  constructor(model: tf.LayersModel);
  constructor(arg: RecurrentCoreConfig | tf.LayersModel) {
    if (arg instanceof tf.LayersModel) {
      const rnns = arg.layers.filter((l) => Object.values(CLASS_OF).includes(l.getClassName()));
      if (rnns.length !== 1) throw new Error(`RecurrentCore: model ${arg.name} must hold exactly one SimpleRNN/LSTM/GRU layer`);
      this.rnn = rnns[0] as RnnLayer;
      this.model = arg;
      const cls = this.rnn.getClassName();
      this.kind = (Object.keys(CLASS_OF) as RecurrentKind[]).find((k) => CLASS_OF[k] === cls)!;
      this.inputSize = arg.inputs[0]!.shape[2] as number;
      this.units = this.rnn.cell.stateSize instanceof Array ? this.rnn.cell.stateSize[0]! : this.rnn.cell.stateSize;
      return;
    }
    const { kind, inputSize } = arg;
    const units = arg.units ?? 64;
    if (!(kind in CLASS_OF)) throw new Error(`RecurrentCore: unknown kind '${String(kind)}' (simpleRnn, lstm, gru)`);
    for (const [k, v] of [['inputSize', inputSize], ['units', units]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`RecurrentCore: ${k} must be a positive integer, got ${v}`);
    }
    this.kind = kind;
    this.inputSize = inputSize;
    this.units = units;
    const seed = arg.seed ?? 0;
    const layerArgs = {
      units,
      returnSequences: true,
      returnState: true,
      kernelInitializer: initializer(arg.init ?? 'glorotUniform', deriveSeed(seed, 0)),
      recurrentInitializer: tf.initializers.orthogonal({ gain: 1, seed: deriveSeed(seed, 1) }),
      name: uniqueLayerName(kind),
    };
    this.rnn = kind === 'lstm' ? tf.layers.lstm(layerArgs) : kind === 'gru' ? tf.layers.gru(layerArgs) : tf.layers.simpleRNN(layerArgs);
    const input = tf.input({ shape: [null, inputSize], name: uniqueLayerName('sequence_input') });
    const outputs = this.rnn.apply(input) as tf.SymbolicTensor[];
    this.model = tf.model({ inputs: input, outputs, name: uniqueLayerName(`${kind}_core`) });
  }

  /** Rebuilds a core around a model saved from `core.model`. */
  static fromModel(model: tf.LayersModel): RecurrentCore {
    return new RecurrentCore(model);
  }

  /** Number of state tensors: 2 for LSTM (h, c), else 1. */
  get stateCount(): number {
    return this.kind === 'lstm' ? 2 : 1;
  }

  /** The trainable variables (for tf.variableGrads and optimizers). */
  get variables(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Zero state for `batch` rows; the caller owns (disposes) it. */
  initialState(batch: number): RecurrentState {
    if (!Number.isInteger(batch) || batch <= 0) throw new Error(`initialState: batch must be a positive integer, got ${batch}`);
    return Array.from({ length: this.stateCount }, () => tf.zeros([batch, this.units]) as tf.Tensor2D);
  }

  /** The state with the rows flagged in `mask` zeroed (new tensors; the input state is left alone). */
  resetState(state: RecurrentState, mask: ResetMask): RecurrentState {
    this.checkState(state);
    const batch = state[0]!.shape[0];
    return tf.tidy(() => {
      const keep = tf.sub(1, this.maskTensor(mask, batch).reshape([batch, 1]));
      return state.map((s) => tf.mul(s, keep) as tf.Tensor2D);
    });
  }

  /** One time step: input [batch, inputSize] → output [batch, units] and the next state. */
  step(input: tf.Tensor2D, state: RecurrentState, reset?: ResetMask): StepOutput {
    this.checkInput(input, 2);
    this.checkState(state, input.shape[0]);
    return tf.tidy(() => {
      const s = reset === undefined ? state : this.resetState(state, reset);
      const [output, ...next] = this.rnn.cell.call([input, ...s], {}) as tf.Tensor2D[];
      return { output: output!, state: next };
    });
  }

  /**
   * A segment: inputs [batch, time, inputSize] from `state`. `resets` [batch, time] zeroes a row's state
   * before the flagged step (episode starts inside the segment); without it the whole segment runs
   * through the tfjs RNN layer in one call.
   */
  sequence(inputs: tf.Tensor3D, state: RecurrentState, resets?: tf.Tensor2D): SequenceOutput {
    this.checkInput(inputs, 3);
    const [batch, time] = inputs.shape;
    this.checkState(state, batch);
    if (resets !== undefined && (resets.rank !== 2 || resets.shape[0] !== batch || resets.shape[1] !== time)) {
      throw new Error(`sequence: resets must be [${batch}, ${time}], got [${resets.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      if (resets === undefined) {
        const [outputs, ...next] = this.rnn.apply(inputs, { initialState: state }) as tf.Tensor[];
        return { outputs: outputs as tf.Tensor3D, state: next as tf.Tensor2D[] };
      }
      let s = state;
      const outs: tf.Tensor2D[] = [];
      for (let t = 0; t < time; t++) {
        const xt = tf.reshape(tf.slice(inputs, [0, t, 0], [batch, 1, this.inputSize]), [batch, this.inputSize]) as tf.Tensor2D;
        const rt = tf.reshape(tf.slice(resets, [0, t], [batch, 1]), [batch]);
        const r = this.step(xt, s, rt);
        outs.push(r.output);
        s = r.state;
      }
      return { outputs: tf.stack(outs, 1) as tf.Tensor3D, state: s };
    });
  }

  /** Marks a state to survive the enclosing tidy / gradient closure (for the next segment). */
  keepState(state: RecurrentState): RecurrentState {
    return state.map((s) => tf.keep(s));
  }

  dispose(): void {
    this.model.dispose();
  }

  private maskTensor(mask: ResetMask, batch: number): tf.Tensor1D {
    const m = mask instanceof tf.Tensor ? tf.cast(tf.reshape(mask, [-1]), 'float32') : tf.tensor1d(Array.from(mask), 'float32');
    if (m.shape[0] !== batch) throw new Error(`reset mask has ${m.shape[0]} entries, the state has ${batch} rows`);
    return m as tf.Tensor1D;
  }

  private checkInput(x: tf.Tensor, rank: number): void {
    if (x.rank !== rank || x.shape[rank - 1] !== this.inputSize) {
      const want = rank === 2 ? `[batch, ${this.inputSize}]` : `[batch, time, ${this.inputSize}]`;
      throw new Error(`${this.kind} core: input must be ${want}, got [${x.shape.join(', ')}]`);
    }
  }

  private checkState(state: RecurrentState, batch?: number): void {
    if (state.length !== this.stateCount) throw new Error(`${this.kind} core: state needs ${this.stateCount} tensor(s), got ${state.length}`);
    for (const s of state) {
      if (s.rank !== 2 || s.shape[1] !== this.units || (batch !== undefined && s.shape[0] !== batch)) {
        throw new Error(`${this.kind} core: state tensors must be [${batch ?? 'batch'}, ${this.units}], got [${s.shape.join(', ')}]`);
      }
    }
  }
}
