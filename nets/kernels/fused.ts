// Kernels that fuse several tfjs kernels into one pass over memory, for the wasm back end: the Adam
// update, the ReLU gradient and the bias gradient (a sum over leading axes). Each runs the SIMD
// module on the back end's memory, or a JS loop when SIMD is unavailable.
import * as tf from '@tensorflow/tfjs';
import { byteOffset, f32View, wasmMemoryOf } from './heap.js';
import { saveOriginal, type WasmBackendLike } from './scope.js';
import { runJob } from './simd/helper.js';
import { JOB_ADAM, chunkSize } from './simd/jobs.js';
import { simdKernels, type SimdKernels } from './simd/module.js';

/** Custom kernel names; their backends are wasm only (callers fall back to plain ops elsewhere). */
export const ADAM_KERNEL = 'PixelgymAdamUpdate';
export const RELU_GRAD_KERNEL = 'PixelgymReluGrad';

/** Variables this big share the Adam update with the SIMD helper thread (threaded build). */
const HELPER_MIN_FLOATS = 1 << 16;

type Seven = [number, number, number, number, number, number, number];

function simd(backend: WasmBackendLike): SimdKernels | null {
  return simdKernels(wasmMemoryOf(backend));
}

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 - beta1^t and 1 - beta2^t, as tfjs's float32 accumulators hold them. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

/**
 * One Adam step for one variable, in tfjs's operation order (so it matches tf.train.adam):
 * m' = m*b1 + g*(1-b1); v' = v*b2 + g²*(1-b2); p' = (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps) * -lr + p.
 */
export function adamUpdate(
  backend: WasmBackendLike,
  inputs: { param: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo; grad: tf.TensorInfo },
  a: AdamAttrs,
): tf.TensorInfo[] {
  const n = tf.util.sizeFromShape(inputs.param.shape);
  const outs = [inputs.param, inputs.m, inputs.v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const [po, mo, vo] = outs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  const f = Math.fround;
  const consts = [f(a.beta1), f(1 - a.beta1), f(a.beta2), f(1 - a.beta2), f(a.oneMinusAccBeta1), f(a.oneMinusAccBeta2), f(a.epsilon), f(-a.learningRate)] as const;
  const k = simd(backend);
  const head = k ? n - (n % 4) : 0;
  if (k && head > 0) {
    const at = [inputs.param, inputs.m, inputs.v, inputs.grad, po, mo, vo].map((t) => byteOffset(backend, t));
    if (head < HELPER_MIN_FLOATS) k.adam(...(at as Seven), head * 4, ...consts);
    else {
      // Chunks of 16-byte multiples shared with the helper thread; elementwise, so any split gives the same bits.
      runJob(wasmMemoryOf(backend), k, [JOB_ADAM, ...at, head * 4, ...consts, chunkSize(head * 4, 16)]);
    }
  }
  if (head < n) {
    const [b1, omb1, b2, omb2, d1, d2, eps, negLr] = consts;
    const [p, m, v, g] = [inputs.param, inputs.m, inputs.v, inputs.grad].map((t) => f32View(backend, t)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [pOut, mOut, vOut] = outs.map((t) => f32View(backend, t)) as [Float32Array, Float32Array, Float32Array];
    for (let i = head; i < n; i++) {
      const gi = g[i]!;
      const mi = f(f(m[i]! * b1) + f(gi * omb1));
      const vi = f(f(v[i]! * b2) + f(f(gi * gi) * omb2));
      mOut[i] = mi;
      vOut[i] = vi;
      pOut[i] = f(f(f(f(mi / d1) / f(f(Math.sqrt(f(vi / d2))) + eps)) * negLr) + p[i]!);
    }
  }
  return outs;
}

export function reluGrad(backend: WasmBackendLike, dy: tf.TensorInfo, x: tf.TensorInfo): tf.TensorInfo {
  const n = tf.util.sizeFromShape(x.shape);
  const out = backend.makeOutput(x.shape, 'float32');
  const k = simd(backend);
  const head = k ? n - (n % 4) : 0;
  if (k && head > 0) k.reluGrad(byteOffset(backend, dy), byteOffset(backend, x), byteOffset(backend, out), head * 4);
  if (head < n) {
    const [d, xs, o] = [f32View(backend, dy), f32View(backend, x), f32View(backend, out)];
    for (let i = head; i < n; i++) o[i] = xs[i]! > 0 ? d[i]! : 0;
  }
  return out;
}

/**
 * Sum over the leading axes [0, k) of a float32 tensor whose remaining size is a multiple of 4 (a
 * bias gradient): one pass, where the wasm Sum transposes the reduced axes inward first. Returns
 * null when the shape does not fit, for the caller to use the original kernel.
 */
export function leadingSum(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  axis: number | number[],
  keepDims: boolean,
): tf.TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((p, q) => p - q);
  if (axes.length === 0 || axes.some((ax, i) => ax !== i)) return null;
  const k = simd(backend);
  const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const kept = x.shape.slice(axes.length);
  const cols = tf.util.sizeFromShape(kept);
  if (!k || cols % 4 !== 0 || rows === 0) return null;
  const outShape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
  const out = backend.makeOutput(outShape, 'float32');
  f32View(backend, out).fill(0);
  k.colSum(byteOffset(backend, x), byteOffset(backend, out), rows, cols * 4);
  return out;
}

export const fusedKernels: Record<string, tf.KernelFunc> = {
  [ADAM_KERNEL]: ({ inputs, attrs, backend }) =>
    adamUpdate(
      backend as WasmBackendLike,
      { param: inputs['param']!, m: inputs['m']!, v: inputs['v']!, grad: inputs['grad']! },
      attrs as unknown as AdamAttrs,
    ),
  [RELU_GRAD_KERNEL]: ({ inputs, backend }) => reluGrad(backend as WasmBackendLike, inputs['dy']!, inputs['x']!),
  Sum: (args) => {
    const { axis, keepDims } = (args.attrs ?? {}) as { axis?: number | number[]; keepDims?: boolean };
    const x = args.inputs['x']!;
    const fast = axis == null ? null : leadingSum(args.backend as WasmBackendLike, x, axis, Boolean(keepDims));
    return fast ?? saveOriginal('Sum')!(args);
  },
};
