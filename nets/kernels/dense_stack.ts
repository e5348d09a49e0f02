// A stack of dense layers as one kernel: y = f_L(…f_1(x·W_1 + b_1)…·W_L + b_L), and its gradient as one
// more. tfjs spends ~15–25 µs of engine time per kernel; a 3-layer MLP train step takes ~20 kernels for
// the dense layers alone, against a few µs of arithmetic at batch 64. The forward kernel also returns
// the hidden activations (packed [batch, Σ hidden widths]) for the gradient, which recomputes nothing.
// Registered for the wasm and cpu back ends; elsewhere callers use the plain layers.
import * as tf from '@tensorflow/tfjs';
import { f32Of, makeF32Outputs, type KernelBackend } from './dense_stack_data.js';
import { SCRATCH_START, Scratch } from './dense_stack_simd.js';

/** Activations the fused kernels compute (all have derivatives expressible in the output). */
export type StackActivation = 'linear' | 'relu' | 'tanh' | 'sigmoid';
export const STACK_ACTIVATIONS: readonly StackActivation[] = ['linear', 'relu', 'tanh', 'sigmoid'];

/** Depths with a registered kernel (one kernel name per depth: gradient configs name their inputs). */
export const MIN_STACK_DEPTH = 2;
export const MAX_STACK_DEPTH = 8;
export const STACK_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/**
 * Kernel names per depth: gradient configs name their inputs, and a stack ending in a linear layer has
 * its own name that does not save y for the gradient (one tensor fewer kept on the tape).
 */
export const denseStackKernelName = (depth: number, linearOutput = false): string => `PixelgymDenseStack${depth}${linearOutput ? 'Linear' : ''}`;
export const DENSE_STACK_GRAD_KERNEL = 'PixelgymDenseStackGrad';

export interface StackLayer {
  /** [inputs, units] */
  kernel: tf.Tensor;
  /** [units] */
  bias: tf.Tensor;
  activation: StackActivation;
}

const pad4 = (n: number): number => (n + 3) & ~3;

function parseActivations(attr: unknown, depth: number): StackActivation[] {
  const acts = String(attr ?? '').split(',') as StackActivation[];
  if (acts.length !== depth || acts.some((a) => !STACK_ACTIVATIONS.includes(a))) {
    throw new Error(`denseStack: activations '${String(attr)}' do not name ${depth} of ${STACK_ACTIVATIONS.join(', ')}`);
  }
  return acts;
}

/** Widths [d0, d1, …, dL] from x and the kernels, checking every shape. */
function widths(x: tf.TensorInfo, kernels: tf.TensorInfo[], biases: tf.TensorInfo[] | null): number[] {
  if (x.shape.length !== 2) throw new Error(`denseStack: x must be [batch, features], got [${x.shape.join(', ')}]`);
  const d = [x.shape[1]!];
  kernels.forEach((w, l) => {
    if (w.shape.length !== 2 || w.shape[0] !== d[l]) {
      throw new Error(`denseStack: kernel ${l} has shape [${w.shape.join(', ')}], expected [${d[l]}, units]`);
    }
    const b = biases?.[l];
    if (b && (b.shape.length !== 1 || b.shape[0] !== w.shape[1])) {
      throw new Error(`denseStack: bias ${l} has shape [${b.shape.join(', ')}], expected [${w.shape[1]}]`);
    }
    d.push(w.shape[1]!);
  });
  return d;
}

/** Copies a rows × cols block between row-major matrices of different row strides. */
function copyRows(dst: Float32Array, dOff: number, dStride: number, src: Float32Array, sOff: number, sStride: number, rows: number, cols: number): void {
  if (dStride === cols && sStride === cols) {
    dst.set(src.subarray(sOff, sOff + rows * cols), dOff);
    return;
  }
  if (cols >= 16) {
    for (let r = 0; r < rows; r++) dst.set(src.subarray(sOff + r * sStride, sOff + r * sStride + cols), dOff + r * dStride);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = sOff + r * sStride;
    const t = dOff + r * dStride;
    for (let c = 0; c < cols; c++) dst[t + c] = src[s + c]!;
  }
}

/** Activation in place over the real rows × cols of a padded block (relu is done by gemm). */
function activate(f: Float32Array, off: number, stride: number, rows: number, cols: number, act: StackActivation): void {
  if (act !== 'tanh' && act !== 'sigmoid') return;
  for (let r = 0; r < rows; r++) {
    const base = off + r * stride;
    for (let c = 0; c < cols; c++) {
      const v = f[base + c]!;
      f[base + c] = act === 'tanh' ? Math.tanh(v) : 1 / (1 + Math.exp(-v));
    }
  }
}

/** g ← g · f'(a), f' written with the activation's output a (relu runs in wasm: reluMask). */
function activationGrad(f: Float32Array, g: number, a: number, stride: number, rows: number, cols: number, act: StackActivation): void {
  if (act === 'linear') return;
  for (let r = 0; r < rows; r++) {
    const gb = g + r * stride;
    const ab = a + r * stride;
    for (let c = 0; c < cols; c++) {
      const y = f[ab + c]!;
      if (act === 'relu') {
        if (!(y > 0)) f[gb + c] = 0;
      } else if (act === 'tanh') f[gb + c] = f[gb + c]! * (1 - y * y);
      else f[gb + c] = f[gb + c]! * (y * (1 - y));
    }
  }
}

const scratch = new Scratch();

/** Bump allocation of padded blocks in the scratch memory (float offsets, 16-byte aligned). */
class Layout {
  end = SCRATCH_START;
  take(floats: number): number {
    const at = this.end;
    this.end += pad4(floats);
    return at;
  }
}

function forwardKernel(backend: KernelBackend, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined, depth: number): tf.TensorInfo[] {
  const acts = parseActivations(attrs?.['activations'], depth);
  const x = inputs['x']!;
  const ws = acts.map((_, l) => inputs[`w${l}`]!);
  const bs = acts.map((_, l) => inputs[`b${l}`]!);
  const d = widths(x, ws, bs);
  const p = d.map(pad4);
  const batch = x.shape[0]!;
  const rows = pad4(batch);
  const lay = new Layout();
  const xAt = lay.take(rows * p[0]!);
  const wAt = acts.map((_, l) => lay.take(p[l]! * p[l + 1]!));
  const bAt = acts.map((_, l) => lay.take(p[l + 1]!));
  const hAt = acts.map((_, l) => lay.take(rows * p[l + 1]!));
  const f = scratch.reserve(lay.end);
  f.fill(0, SCRATCH_START, lay.end);
  copyRows(f, xAt, p[0]!, f32Of(backend, x), 0, d[0]!, batch, d[0]!);
  acts.forEach((_, l) => {
    copyRows(f, wAt[l]!, p[l + 1]!, f32Of(backend, ws[l]!), 0, d[l + 1]!, d[l]!, d[l + 1]!);
    f.set(f32Of(backend, bs[l]!), bAt[l]!);
  });
  acts.forEach((act, l) => {
    const inAt = l === 0 ? xAt : hAt[l - 1]!;
    scratch.gemm(inAt, p[l]!, 1, wAt[l]!, hAt[l]!, rows, d[l]!, p[l + 1]!, bAt[l]!, act === 'relu');
    activate(f, hAt[l]!, p[l + 1]!, batch, d[l + 1]!, act);
  });
  const hiddenWidth = d.slice(1, -1).reduce((a, b) => a + b, 0);
  const [y, hidden] = makeF32Outputs(backend, [[batch, d[depth]!], [batch, hiddenWidth]]) as [tf.TensorInfo, tf.TensorInfo];
  const yv = f32Of(backend, y);
  const hv = f32Of(backend, hidden);
  copyRows(yv, 0, d[depth]!, f, hAt[depth - 1]!, p[depth]!, batch, d[depth]!);
  let col = 0;
  for (let l = 0; l < depth - 1; l++) {
    copyRows(hv, col, hiddenWidth, f, hAt[l]!, p[l + 1]!, batch, d[l + 1]!);
    col += d[l + 1]!;
  }
  return [y, hidden];
}

/** Outputs [dx, dw0, db0, dw1, db1, …] from dy, x, the kernels and the forward's y and hidden. */
function gradKernel(backend: KernelBackend, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined): tf.TensorInfo[] {
  const depth = Number(attrs?.['depth']);
  if (!(depth >= MIN_STACK_DEPTH && depth <= MAX_STACK_DEPTH)) throw new Error(`denseStack grad: bad depth ${String(depth)}`);
  const acts = parseActivations(attrs?.['activations'], depth);
  const x = inputs['x']!;
  const ws = acts.map((_, l) => inputs[`w${l}`]!);
  const d = widths(x, ws, null);
  const p = d.map(pad4);
  const batch = x.shape[0]!;
  const rows = pad4(batch);
  const hiddenWidth = d.slice(1, -1).reduce((a, b) => a + b, 0);
  const dy = inputs['dy']!;
  const y = inputs['y'];
  const hidden = inputs['hidden']!;
  if (!y && acts[depth - 1] !== 'linear') throw new Error(`denseStack grad: y is needed for a '${acts[depth - 1]}' output layer`);
  for (const [name, t, shape] of [['dy', dy, [batch, d[depth]!]], ['y', y, [batch, d[depth]!]], ['hidden', hidden, [batch, hiddenWidth]]] as const) {
    if (!t) continue;
    if (t.shape.length !== 2 || t.shape[0] !== shape[0] || t.shape[1] !== shape[1]) {
      throw new Error(`denseStack grad: ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  }
  const lay = new Layout();
  const xAt = lay.take(rows * p[0]!);
  const wtAt = acts.map((_, l) => lay.take(p[l + 1]! * p[l]!)); // Wᵀ, [units, inputs] padded
  const aAt = acts.map((_, l) => lay.take(rows * p[l + 1]!)); // activations (outputs of layer l)
  const gAt = d.map((_, l) => lay.take(rows * p[l]!)); // gradient w.r.t. the input of layer l (gAt[depth]: dy)
  const dwAt = acts.map((_, l) => lay.take(p[l]! * p[l + 1]!));
  const dbAt = acts.map((_, l) => lay.take(p[l + 1]!));
  const f = scratch.reserve(lay.end);
  f.fill(0, SCRATCH_START, lay.end);
  copyRows(f, xAt, p[0]!, f32Of(backend, x), 0, d[0]!, batch, d[0]!);
  // Wᵀ: W copied in (into the dW block, free until the gemm writes it), then transposed in place.
  acts.forEach((_, l) => {
    copyRows(f, dwAt[l]!, p[l + 1]!, f32Of(backend, ws[l]!), 0, d[l + 1]!, d[l]!, d[l + 1]!);
    scratch.transpose(dwAt[l]!, wtAt[l]!, d[l]!, d[l + 1]!, p[l + 1]!, p[l]!);
  });
  const hv = f32Of(backend, hidden);
  let col = 0;
  for (let l = 0; l < depth - 1; l++) {
    copyRows(f, aAt[l]!, p[l + 1]!, hv, col, hiddenWidth, batch, d[l + 1]!);
    col += d[l + 1]!;
  }
  if (y) copyRows(f, aAt[depth - 1]!, p[depth]!, f32Of(backend, y), 0, d[depth]!, batch, d[depth]!);
  copyRows(f, gAt[depth]!, p[depth]!, f32Of(backend, dy), 0, d[depth]!, batch, d[depth]!);
  for (let l = depth - 1; l >= 0; l--) {
    const g = gAt[l + 1]!;
    if (acts[l] === 'relu') scratch.reluMask(g, aAt[l]!, rows * p[l + 1]!);
    else activationGrad(f, g, aAt[l]!, p[l + 1]!, batch, d[l + 1]!, acts[l]!);
    // dW = inputᵀ · g (input read transposed through strides); db = column sums of g.
    const inAt = l === 0 ? xAt : aAt[l - 1]!;
    scratch.gemm(inAt, 1, p[l]!, g, dwAt[l]!, p[l]!, batch, p[l + 1]!, 0, false);
    scratch.colSum(g, dbAt[l]!, batch, p[l + 1]!);
    // gradient of the layer's input: g · Wᵀ
    scratch.gemm(g, p[l + 1]!, 1, wtAt[l]!, gAt[l]!, rows, d[l + 1]!, p[l]!, 0, false);
  }
  const shapes: number[][] = [[batch, d[0]!]];
  acts.forEach((_, l) => shapes.push([d[l]!, d[l + 1]!], [d[l + 1]!]));
  const outs = makeF32Outputs(backend, shapes);
  copyRows(f32Of(backend, outs[0]!), 0, d[0]!, f, gAt[0]!, p[0]!, batch, d[0]!);
  acts.forEach((_, l) => {
    copyRows(f32Of(backend, outs[1 + 2 * l]!), 0, d[l + 1]!, f, dwAt[l]!, p[l + 1]!, d[l]!, d[l + 1]!);
    f32Of(backend, outs[2 + 2 * l]!).set(f.subarray(dbAt[l]!, dbAt[l]! + d[l + 1]!));
  });
  return outs;
}

let registered = false;

/**
 * Registers the dense-stack kernels and their gradients for the wasm and cpu back ends (idempotent;
 * a kernel someone else registered under our names is left alone).
 */
export function registerDenseStackKernels(): void {
  if (registered) return;
  for (const backendName of STACK_BACKENDS) {
    for (let depth = MIN_STACK_DEPTH; depth <= MAX_STACK_DEPTH; depth++) {
      for (const linear of [false, true]) {
        const kernelName = denseStackKernelName(depth, linear);
        if (tf.getKernel(kernelName, backendName)) continue;
        tf.registerKernel({
          kernelName,
          backendName,
          kernelFunc: ({ inputs, attrs, backend }) => forwardKernel(backend as KernelBackend, inputs, attrs, depth),
        });
      }
    }
    if (!tf.getKernel(DENSE_STACK_GRAD_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: DENSE_STACK_GRAD_KERNEL,
        backendName,
        kernelFunc: ({ inputs, attrs, backend }) => gradKernel(backend as KernelBackend, inputs, attrs),
      });
    }
  }
  for (let depth = MIN_STACK_DEPTH; depth <= MAX_STACK_DEPTH; depth++) {
    const kernels = Array.from({ length: depth }, (_, l) => `w${l}`);
    for (const linear of [false, true]) {
      tf.registerGradient({
        kernelName: denseStackKernelName(depth, linear),
        inputsToSave: ['x', ...kernels],
        outputsToSave: [!linear, true],
        gradFunc: (dys, saved, attrs) => {
          const dy = Array.isArray(dys) ? dys[0]! : dys;
          const [x, ...rest] = saved as tf.Tensor[];
          const ws = rest.slice(0, depth);
          const outs = rest.slice(depth);
          const inputs: tf.NamedTensorMap = { dy, x, hidden: outs[outs.length - 1]! };
          if (!linear) inputs['y'] = outs[0]!;
          ws.forEach((w, l) => (inputs[`w${l}`] = w));
          // One kernel makes every gradient; the engine asks for them one input at a time, so compute
          // them now (the engine's backward scope disposes the ones it does not use).
          const grads = tf.engine().runKernel(DENSE_STACK_GRAD_KERNEL, inputs, { ...attrs, depth }) as tf.Tensor[];
          const out: Record<string, () => tf.Tensor> = { x: () => grads[0]! };
          for (let l = 0; l < depth; l++) {
            out[`w${l}`] = () => grads[1 + 2 * l]!;
            out[`b${l}`] = () => grads[2 + 2 * l]!;
          }
          return out;
        },
      });
    }
  }
  registered = true;
}

/** Back ends found to have the kernels (tf.getKernel builds a key string per call: too slow per step). */
const ready = new Set<string>();

/** Whether denseStack runs as one kernel on the current back end for this many layers. */
export function denseStackAvailable(depth: number): boolean {
  if (depth < MIN_STACK_DEPTH || depth > MAX_STACK_DEPTH) return false;
  const backend = tf.getBackend();
  if (ready.has(backend)) return true;
  if (!STACK_BACKENDS.includes(backend)) return false;
  for (let d = MIN_STACK_DEPTH; d <= MAX_STACK_DEPTH; d++) {
    if (!tf.getKernel(denseStackKernelName(d), backend) || !tf.getKernel(denseStackKernelName(d, true), backend)) return false;
  }
  if (!tf.getKernel(DENSE_STACK_GRAD_KERNEL, backend)) return false;
  ready.add(backend);
  return true;
}

/**
 * The layers applied in order to x ([batch, features], float32) as one kernel, differentiable with
 * respect to x, every kernel and every bias (first order). Needs denseStackAvailable(layers.length).
 */
export function denseStack(x: tf.Tensor, layers: readonly StackLayer[]): tf.Tensor2D {
  registerDenseStackKernels();
  const depth = layers.length;
  if (!denseStackAvailable(depth)) {
    throw new Error(`denseStack: no fused kernel for ${depth} layers on back end '${tf.getBackend()}' (needs ${MIN_STACK_DEPTH}–${MAX_STACK_DEPTH} layers on ${STACK_BACKENDS.join(' or ')})`);
  }
  const tensors = [x, ...layers.flatMap((l) => [l.kernel, l.bias])];
  const bad = tensors.find((t) => t.dtype !== 'float32');
  if (bad) throw new Error(`denseStack: inputs must be float32, got ${bad.dtype}`);
  for (const l of layers) {
    if (!STACK_ACTIVATIONS.includes(l.activation)) throw new Error(`denseStack: unsupported activation '${String(l.activation)}'`);
  }
  const inputs: tf.NamedTensorMap = { x };
  layers.forEach((l, i) => {
    inputs[`w${i}`] = l.kernel;
    inputs[`b${i}`] = l.bias;
  });
  const attrs = { activations: layers.map((l) => l.activation).join(',') };
  const name = denseStackKernelName(depth, layers[depth - 1]!.activation === 'linear');
  const [y, hidden] = tf.engine().runKernel(name, inputs, attrs) as [tf.Tensor2D, tf.Tensor];
  // The tape keeps its own reference to hidden for the gradient.
  hidden.dispose();
  return y;
}
