// A compiled forward pass for small dense networks. Acting on one observation through tfjs costs ~100 µs
// of per-op overhead (FACTS.md) for a few thousand multiply-adds; a loop over preallocated buffers in one
// fixed memory does the same arithmetic in about a µs (cs231n ch. 7.1: overhead, not FLOPs, dominates).
import * as tf from '@tensorflow/tfjs';
import { simdDense, type DenseKernel } from './fastForwardSimd.js';
import { DuelingCombine, LogStdParameter } from './modules/headLayers.js';

export interface DenseForward {
  readonly inputSize: number;
  readonly outputSize: number;
  /**
   * Output for one observation. Without `out`, returns an internal buffer that the next call overwrites:
   * copy it if you keep it.
   */
  forward(input: ArrayLike<number>, out?: Float32Array): Float32Array;
  /** Re-reads every weight from the model (after each optimizer update). */
  refresh(): void;
  /** Whether the dense layers run in WebAssembly SIMD (else plain JS loops). */
  readonly simd: boolean;
}

export interface CompileDenseOptions {
  /** Which model output to compute, for multi-output models. Default 0. */
  outputIndex?: number;
  /** Use the WebAssembly SIMD kernel when available. Default true; false forces the JS loops. */
  simd?: boolean;
}

const SUPPORTED =
  'Dense, Activation, ReLU, LeakyReLU, ELU, Flatten, Dropout, Rescaling, BatchNormalization, dueling and log-std heads, nested models';

type Act = 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'leakyRelu' | 'softmax';

/** A float buffer in the forward pass's memory; capacity rounded up to 4 floats (zero padding for SIMD). */
interface Slot {
  offset: number;
  length: number;
}

interface Memory {
  view(slot: Slot): Float32Array;
  kernel: DenseKernel | null;
}

/** One compiled layer: `run` computes its output from its inputs, `load` pulls the layer's weights. */
interface Op {
  run(): void;
  load(): void;
}

type OpFactory = (mem: Memory) => Op;

const pad4 = (n: number) => Math.ceil(n / 4) * 4;

function activationOf(name: unknown, layer: string): Act {
  const a = name === undefined || name === null ? 'linear' : String(name);
  if (a === 'linear' || a === 'relu' || a === 'tanh' || a === 'sigmoid' || a === 'elu' || a === 'softmax') return a;
  throw new Error(`compileDenseForward: activation '${a}' of layer '${layer}' is not supported`);
}

function applyAct(y: Float32Array, act: Act, alpha: number): void {
  const n = y.length;
  switch (act) {
    case 'linear':
      return;
    case 'relu':
      for (let j = 0; j < n; j++) if (y[j]! < 0) y[j] = 0;
      return;
    case 'leakyRelu':
      for (let j = 0; j < n; j++) if (y[j]! < 0) y[j] = y[j]! * alpha;
      return;
    case 'tanh':
      for (let j = 0; j < n; j++) y[j] = Math.tanh(y[j]!);
      return;
    case 'sigmoid':
      for (let j = 0; j < n; j++) y[j] = 1 / (1 + Math.exp(-y[j]!));
      return;
    case 'elu':
      for (let j = 0; j < n; j++) if (y[j]! < 0) y[j] = alpha * Math.expm1(y[j]!);
      return;
    case 'softmax': {
      let max = -Infinity;
      for (let j = 0; j < n; j++) max = Math.max(max, y[j]!);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += y[j] = Math.exp(y[j]! - max);
      for (let j = 0; j < n; j++) y[j] = y[j]! / sum;
    }
  }
}

function weightValues(layer: tf.layers.Layer, leaf: string): Float32Array {
  const w = layer.weights.find((v) => v.originalName.endsWith(`/${leaf}`));
  if (w === undefined) throw new Error(`compileDenseForward: layer '${layer.name}' has no '${leaf}' weight`);
  return w.read().dataSync() as Float32Array;
}

function size(t: tf.SymbolicTensor): number {
  return t.shape.slice(1).reduce<number>((a, d) => {
    if (d === null) throw new Error(`compileDenseForward: tensor ${t.name} has an unknown dimension`);
    return a * d;
  }, 1);
}

/**
 * y = act(x·W + b). W stays in tfjs's row-major [in][out] layout, its rows padded to a multiple of 4
 * outputs, so the SIMD kernel loads four outputs of one row at a time. Relu is fused into the kernel.
 */
function denseOp(layer: tf.layers.Layer, x: Slot, y: Slot, wSlot: Slot, bSlot: Slot, act: Act): OpFactory {
  const n = x.length;
  const m = y.length;
  const m4 = pad4(m);
  const useBias = layer.weights.some((v) => v.originalName.endsWith('/bias'));
  return (mem) => {
    const [xv, yv, w, b] = [mem.view(x), mem.view(y), mem.view(wSlot), mem.view(bSlot)];
    const kernel = mem.kernel;
    const relu = act === 'relu' ? 1 : 0;
    // The JS loops read W transposed ([out][in]): each output is a dot product over contiguous memory.
    const wt = kernel === null ? new Float32Array(n * m) : null;
    return {
      load() {
        const k = weightValues(layer, 'kernel');
        if (k.length !== n * m) throw new Error(`compileDenseForward: kernel of '${layer.name}' has ${k.length} values, expected ${n * m}`);
        if (wt !== null) {
          for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) wt[j * n + i] = k[i * m + j]!;
        } else {
          for (let i = 0; i < n; i++) w.set(k.subarray(i * m, i * m + m), i * m4);
        }
        if (useBias) b.set(weightValues(layer, 'bias'));
      },
      run() {
        if (kernel !== null) {
          kernel(wSlot.offset, bSlot.offset, x.offset, y.offset, pad4(n) * 4, m4 * 4, relu);
        } else {
          denseJs(wt!, b, xv, yv, n, m);
        }
        if (!(kernel !== null && relu)) applyAct(yv, act, 1);
      },
    };
  };
}

/** y = Wt·x + b with Wt [m][n]: two outputs at a time, four partial sums each (independent adds). */
function denseJs(wt: Float32Array, b: Float32Array, x: Float32Array, y: Float32Array, n: number, m: number): void {
  let j = 0;
  for (; j + 1 < m; j += 2) {
    const p = j * n;
    const q = p + n;
    let a0 = b[j]!, a1 = 0, a2 = 0, a3 = 0;
    let c0 = b[j + 1]!, c1 = 0, c2 = 0, c3 = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const x0 = x[i]!, x1 = x[i + 1]!, x2 = x[i + 2]!, x3 = x[i + 3]!;
      a0 += wt[p + i]! * x0;
      a1 += wt[p + i + 1]! * x1;
      a2 += wt[p + i + 2]! * x2;
      a3 += wt[p + i + 3]! * x3;
      c0 += wt[q + i]! * x0;
      c1 += wt[q + i + 1]! * x1;
      c2 += wt[q + i + 2]! * x2;
      c3 += wt[q + i + 3]! * x3;
    }
    for (; i < n; i++) {
      a0 += wt[p + i]! * x[i]!;
      c0 += wt[q + i]! * x[i]!;
    }
    y[j] = a0 + a1 + (a2 + a3);
    y[j + 1] = c0 + c1 + (c2 + c3);
  }
  for (; j < m; j++) {
    let s = b[j]!;
    for (let i = 0; i < n; i++) s += wt[j * n + i]! * x[i]!;
    y[j] = s;
  }
}

function elementwiseOp(x: Slot, y: Slot, act: Act, alpha: number): OpFactory {
  return (mem) => {
    const [xv, yv] = [mem.view(x), mem.view(y)];
    return {
      load() {},
      run() {
        yv.set(xv);
        applyAct(yv, act, alpha);
      },
    };
  };
}

/** Inference batch norm over the last axis: (x − mean)/√(var + ε)·γ + β, folded into a scale and shift. */
function batchNormOp(layer: tf.layers.Layer, x: Slot, y: Slot, channels: number): OpFactory {
  const cfg = layer.getConfig();
  const eps = Number(cfg['epsilon'] ?? 1e-3);
  const axis = Number(cfg['axis'] ?? -1);
  if (axis !== -1 && axis !== (layer.inputSpec?.[0]?.ndim ?? 0) - 1) {
    throw new Error(`compileDenseForward: batch norm '${layer.name}' must normalize the last axis`);
  }
  const has = (leaf: string) => layer.weights.some((v) => v.originalName.endsWith(`/${leaf}`));
  return (mem) => {
    const [xv, yv] = [mem.view(x), mem.view(y)];
    const scale = new Float32Array(channels);
    const shift = new Float32Array(channels);
    return {
      load() {
        const mean = weightValues(layer, 'moving_mean');
        const variance = weightValues(layer, 'moving_variance');
        const gamma = has('gamma') ? weightValues(layer, 'gamma') : null;
        const beta = has('beta') ? weightValues(layer, 'beta') : null;
        for (let c = 0; c < channels; c++) {
          scale[c] = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + eps);
          shift[c] = (beta ? beta[c]! : 0) - mean[c]! * scale[c]!;
        }
      },
      run() {
        for (let i = 0; i < yv.length; i++) {
          const c = i % channels;
          yv[i] = xv[i]! * scale[c]! + shift[c]!;
        }
      },
    };
  };
}

class Compiler {
  readonly ops: OpFactory[] = [];
  bytes = 0;

  alloc(length: number): Slot {
    const slot = { offset: this.bytes, length };
    this.bytes += pad4(length) * 4;
    return slot;
  }

  /** Slot holding `t`; `ctx` maps symbolic tensor ids of the current (possibly nested) graph. */
  tensor(t: tf.SymbolicTensor, ctx: Map<number, Slot>): Slot {
    const known = ctx.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    const cls = layer.getClassName();
    if (cls === 'InputLayer') throw new Error(`compileDenseForward: input ${t.name} is not connected to the model's input`);
    const inputs = t.inputs.map((i) => this.tensor(i, ctx));
    const x = inputs[0]!;
    const n = size(t);
    let y: Slot;
    if (layer instanceof tf.LayersModel) {
      const inner = new Map<number, Slot>();
      layer.inputs.forEach((it, k) => inner.set(it.id, inputs[k]!));
      y = this.tensor(layer.outputs[t.outputTensorIndex ?? 0]!, inner);
    } else if (cls === 'Flatten' || cls === 'Dropout' || cls === 'Reshape') {
      y = x; // row-major data: reshaping one example is the identity on its buffer
    } else {
      y = this.alloc(n);
      const cfg = layer.getConfig();
      switch (cls) {
        case 'Dense':
          this.ops.push(denseOp(layer, x, y, this.alloc(pad4(x.length) * pad4(n)), this.alloc(n), activationOf(cfg['activation'], layer.name)));
          break;
        case 'Activation':
          this.ops.push(elementwiseOp(x, y, activationOf(cfg['activation'], layer.name), 1));
          break;
        case 'ReLU':
          if (cfg['maxValue'] != null) throw new Error(`compileDenseForward: ReLU with maxValue ('${layer.name}') is not supported`);
          this.ops.push(elementwiseOp(x, y, 'relu', 0));
          break;
        case 'LeakyReLU':
          this.ops.push(elementwiseOp(x, y, 'leakyRelu', Number(cfg['alpha'] ?? 0.3)));
          break;
        case 'ELU':
          this.ops.push(elementwiseOp(x, y, 'elu', Number(cfg['alpha'] ?? 1)));
          break;
        case 'Rescaling': {
          const scale = Number(cfg['scale']);
          const offset = Number(cfg['offset'] ?? 0);
          this.ops.push((mem) => {
            const [xv, yv] = [mem.view(x), mem.view(y)];
            return { load() {}, run: () => { for (let i = 0; i < n; i++) yv[i] = xv[i]! * scale + offset; } };
          });
          break;
        }
        case 'BatchNormalization': {
          const c = t.shape[t.shape.length - 1];
          this.ops.push(batchNormOp(layer, x, y, typeof c === 'number' ? c : n));
          break;
        }
        case DuelingCombine.className: {
          const [v, a] = inputs as [Slot, Slot];
          this.ops.push((mem) => {
            const [vv, av, yv] = [mem.view(v), mem.view(a), mem.view(y)];
            return {
              load() {},
              run() {
                let mean = 0;
                for (let j = 0; j < n; j++) mean += av[j]!;
                mean /= n;
                for (let j = 0; j < n; j++) yv[j] = vv[0]! + av[j]! - mean;
              },
            };
          });
          break;
        }
        case LogStdParameter.className: {
          this.ops.push((mem) => {
            const yv = mem.view(y);
            return { load: () => yv.set(weightValues(layer, 'log_std')), run() {} };
          });
          break;
        }
        default:
          throw new Error(`compileDenseForward: layer '${layer.name}' (${cls}) is not supported; supported: ${SUPPORTED}`);
      }
    }
    ctx.set(t.id, y);
    return y;
  }
}

/**
 * Compiles a dense model (MLP, MLP + dueling/categorical/value/Gaussian head, nested models) into a
 * plain forward pass for one observation: WebAssembly SIMD for the dense layers when the runtime has it,
 * else JS loops. Reads the weights once; call `refresh()` after every update.
 */
export function compileDenseForward(model: tf.LayersModel, options: CompileDenseOptions = {}): DenseForward {
  if (model.inputs.length !== 1) throw new Error(`compileDenseForward: model ${model.name} must have one input`);
  const outputIndex = options.outputIndex ?? 0;
  const output = model.outputs[outputIndex];
  if (output === undefined) throw new Error(`compileDenseForward: model ${model.name} has no output ${outputIndex}`);
  const compiler = new Compiler();
  const inputSlot = compiler.alloc(size(model.inputs[0]!));
  const resultSlot = compiler.tensor(output, new Map([[model.inputs[0]!.id, inputSlot]]));
  const simd = options.simd === false ? null : simdDense(compiler.bytes);
  const buffer = simd ? simd.buffer : new ArrayBuffer(compiler.bytes);
  const mem: Memory = { view: (s) => new Float32Array(buffer, s.offset, s.length), kernel: simd ? simd.dense : null };
  const ops = compiler.ops.map((make) => make(mem));
  const input = mem.view(inputSlot);
  const result = mem.view(resultSlot);
  const inputSize = input.length;
  const outputSize = result.length;
  const refresh = () => {
    for (const op of ops) op.load();
  };
  refresh();
  return {
    inputSize,
    outputSize,
    simd: simd !== null,
    refresh,
    forward(x: ArrayLike<number>, out?: Float32Array): Float32Array {
      if (x.length !== inputSize) throw new Error(`forward: expected ${inputSize} inputs, got ${x.length}`);
      for (let i = 0; i < inputSize; i++) input[i] = x[i]!;
      for (let k = 0; k < ops.length; k++) ops[k]!.run();
      if (out === undefined) return result;
      if (out.length !== outputSize) throw new Error(`forward: out must have ${outputSize} entries, got ${out.length}`);
      out.set(result);
      return out;
    },
  };
}
