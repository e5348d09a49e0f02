// Adam over many variables in one kernel. For small nets tfjs's per-kernel overhead (tens of µs) is
// most of an optimizer step: a 3-layer MLP has 6 variables, so one kernel per variable already costs
// more than the arithmetic of all of them. Same arithmetic and operation order as tf.train.adam, in
// float32: one SIMD pass over copies in a scratch memory of our own (dense_stack_simd.ts), which works
// whatever memory the back end has. Registered for the wasm and cpu back ends; big nets stay with the
// per-variable kernels (there the copies would cost more than the kernel overhead they save).
import * as tf from '@tensorflow/tfjs';
import type { AdamAttrs } from '../kernels/fused.js';
import { f32Of, makeF32Outputs, type KernelBackend } from '../kernels/dense_stack_data.js';
import { SCRATCH_START, Scratch } from '../kernels/dense_stack_simd.js';

export const MULTI_ADAM_KERNEL = 'PixelgymMultiAdam';
export const MULTI_ADAM_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/** Above this many parameters in all, the per-variable kernels are used instead. */
export const MULTI_ADAM_MAX_PARAMS = 1 << 16;

/** The single-variable kernel's constants, plus how many variables this call updates. */
export interface MultiAdamAttrs extends AdamAttrs {
  /** Number of variables; inputs are p{i}, m{i}, v{i}, g{i}. */
  count: number;
}

const f = Math.fround;
const scratch = new Scratch();

function multiAdam(backend: KernelBackend, inputs: tf.NamedTensorInfoMap, a: MultiAdamAttrs): tf.TensorInfo[] {
  const count = a.count;
  if (!(Number.isInteger(count) && count > 0)) throw new Error(`${MULTI_ADAM_KERNEL}: count must be a positive integer, got ${count}`);
  const groups = Array.from({ length: count }, (_, i) => {
    const [p, m, v, g] = ['p', 'm', 'v', 'g'].map((k) => inputs[`${k}${i}`]);
    if (!p || !m || !v || !g) throw new Error(`${MULTI_ADAM_KERNEL}: missing p${i}, m${i}, v${i} or g${i}`);
    const n = tf.util.sizeFromShape(p.shape);
    if ([m, v, g].some((t) => tf.util.sizeFromShape(t.shape) !== n)) throw new Error(`${MULTI_ADAM_KERNEL}: variable ${i} has mismatched sizes`);
    return { p, m, v, g };
  });
  // Pack p, m, v, g of every variable into the scratch memory (each variable padded to 4 floats), one
  // SIMD pass over all of them, then unpack into new outputs.
  const offsets: number[] = [];
  let total = 0;
  for (const t of groups) {
    offsets.push(total);
    total += (tf.util.sizeFromShape(t.p.shape) + 3) & ~3;
  }
  const [pAt, mAt, vAt, gAt] = [0, 1, 2, 3].map((k) => SCRATCH_START + k * total) as [number, number, number, number];
  const s = scratch.reserve(SCRATCH_START + 4 * total);
  s.fill(0, SCRATCH_START, SCRATCH_START + 4 * total);
  groups.forEach((t, k) => {
    const o = offsets[k]!;
    s.set(f32Of(backend, t.p), pAt + o);
    s.set(f32Of(backend, t.m), mAt + o);
    s.set(f32Of(backend, t.v), vAt + o);
    s.set(f32Of(backend, t.g), gAt + o);
  });
  const c = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate].map(f);
  scratch.adam(pAt, mAt, vAt, gAt, total, c);
  const outs = makeF32Outputs(backend, groups.flatMap((t) => [t.p.shape, t.p.shape, t.p.shape]));
  // Views of the outputs are taken after every output exists: on wasm an allocation can move the heap.
  groups.forEach((t, k) => {
    const o = offsets[k]!;
    const n = tf.util.sizeFromShape(t.p.shape);
    [pAt, mAt, vAt].forEach((at, j) => f32Of(backend, outs[3 * k + j]!).set(s.subarray(at + o, at + o + n)));
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

/** Back ends found to have the kernel (tf.getKernel builds a key string per call). */
const ready = new Set<string>();

/** Whether one multi-variable Adam kernel can update these tensors on the current back end. */
export function multiAdamAvailable(grads: readonly tf.Tensor[]): boolean {
  const backend = tf.getBackend();
  if (!ready.has(backend)) {
    if (!MULTI_ADAM_BACKENDS.includes(backend) || !tf.getKernel(MULTI_ADAM_KERNEL, backend)) return false;
    ready.add(backend);
  }
  let total = 0;
  for (const g of grads) {
    if (g.dtype !== 'float32') return false;
    total += g.size;
  }
  return grads.length > 0 && total <= MULTI_ADAM_MAX_PARAMS;
}
