// Adam over many variables in one kernel. For small nets tfjs's per-kernel overhead (tens of µs) is
// most of an optimizer step: a 3-layer MLP has 6 variables, so one kernel per variable already costs
// more than the arithmetic of all of them. Same arithmetic and operation order as tf.train.adam, in
// float32. Registered for the wasm and cpu back ends; big tensors stay with the per-variable SIMD
// kernel (its one pass beats a JS loop once the overhead no longer dominates).
import * as tf from '@tensorflow/tfjs';
import { f32Of, makeF32Outputs, sizeOf, type KernelBackend } from '../kernels/dense_stack_data.js';

export const MULTI_ADAM_KERNEL = 'PixelgymMultiAdam';
export const MULTI_ADAM_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/** Above this many parameters in all, the per-variable kernels are used instead. */
export const MULTI_ADAM_MAX_PARAMS = 1 << 16;

export interface MultiAdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 - beta1^t and 1 - beta2^t, as tfjs's float32 accumulators hold them. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  /** Number of variables; inputs are p{i}, m{i}, v{i}, g{i}. */
  count: number;
}

const f = Math.fround;

function multiAdam(backend: KernelBackend, inputs: tf.NamedTensorInfoMap, a: MultiAdamAttrs): tf.TensorInfo[] {
  const count = a.count;
  if (!(Number.isInteger(count) && count > 0)) throw new Error(`${MULTI_ADAM_KERNEL}: count must be a positive integer, got ${count}`);
  const groups = Array.from({ length: count }, (_, i) => {
    const [p, m, v, g] = ['p', 'm', 'v', 'g'].map((k) => inputs[`${k}${i}`]);
    if (!p || !m || !v || !g) throw new Error(`${MULTI_ADAM_KERNEL}: missing p${i}, m${i}, v${i} or g${i}`);
    const n = sizeOf(p.shape);
    if ([m, v, g].some((t) => sizeOf(t.shape) !== n)) throw new Error(`${MULTI_ADAM_KERNEL}: variable ${i} has mismatched sizes`);
    return { p, m, v, g };
  });
  const outs = makeF32Outputs(backend, groups.flatMap((t) => [t.p.shape, t.p.shape, t.p.shape]));
  const [b1, omb1, b2, omb2] = [f(a.beta1), f(1 - a.beta1), f(a.beta2), f(1 - a.beta2)];
  const [d1, d2, eps, negLr] = [f(a.oneMinusAccBeta1), f(a.oneMinusAccBeta2), f(a.epsilon), f(-a.learningRate)];
  // Views are taken after every output exists: on wasm an allocation can move the heap.
  groups.forEach((t, k) => {
    const [p, m, v, g] = [f32Of(backend, t.p), f32Of(backend, t.m), f32Of(backend, t.v), f32Of(backend, t.g)];
    const [pOut, mOut, vOut] = [0, 1, 2].map((j) => f32Of(backend, outs[3 * k + j]!)) as [Float32Array, Float32Array, Float32Array];
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = f(f(m[i]! * b1) + f(gi * omb1));
      const vi = f(f(v[i]! * b2) + f(f(gi * gi) * omb2));
      mOut[i] = mi;
      vOut[i] = vi;
      pOut[i] = f(f(f(f(mi / d1) / f(f(Math.sqrt(f(vi / d2))) + eps)) * negLr) + p[i]!);
    }
  });
  return outs;
}

let registered = false;

/** Registers the kernel for the wasm and cpu back ends (idempotent). */
export function registerMultiAdamKernel(): void {
  if (registered) return;
  for (const backendName of MULTI_ADAM_BACKENDS) {
    if (tf.getKernel(MULTI_ADAM_KERNEL, backendName)) continue;
    tf.registerKernel({
      kernelName: MULTI_ADAM_KERNEL,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => multiAdam(backend as KernelBackend, inputs, attrs as unknown as MultiAdamAttrs),
    });
  }
  registered = true;
}

/** Whether one multi-variable Adam kernel can update these tensors on the current back end. */
export function multiAdamAvailable(grads: readonly tf.Tensor[]): boolean {
  if (!MULTI_ADAM_BACKENDS.includes(tf.getBackend()) || !tf.getKernel(MULTI_ADAM_KERNEL, tf.getBackend())) return false;
  let total = 0;
  for (const g of grads) {
    if (g.dtype !== 'float32') return false;
    total += g.size;
  }
  return grads.length > 0 && total <= MULTI_ADAM_MAX_PARAMS;
}
