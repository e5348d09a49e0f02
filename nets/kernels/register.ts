// Installs pixelgym's kernels on the wasm back end: the ones it lacks on a conv training path and
// faster replacements for slow ones. Kernel-level, so they serve every caller (plain and fused ops,
// layers, custom code) and never touch other back ends.
import * as tf from '@tensorflow/tfjs';
// Registers the wasm back end and its own kernels, which we save and partly replace.
import '@tensorflow/tfjs-backend-wasm';
import { batchMatMul, fusedMatMul } from './batch_matmul.js';
import { conv2dFilterGrad, conv2dInputGrad, convViaDepth } from './conv2d_backprop.js';
import { depthwiseFilterGrad, depthwiseInputGrad } from './depthwise_backprop.js';
import { ADAM_KERNEL, RELU_GRAD_KERNEL, fusedKernels } from './fused.js';
import { saveOriginal, type WasmBackendLike } from './scope.js';
import { fastTranspose } from './transpose.js';

type Shape4 = [number, number, number, number];
type Attrs = Parameters<typeof conv2dInputGrad>[4];
type DwAttrs = Parameters<typeof depthwiseInputGrad>[4];

function wasmBackend(backend: unknown): WasmBackendLike {
  return backend as WasmBackendLike;
}

function single(out: tf.TensorInfo | tf.TensorInfo[]): tf.TensorInfo {
  if (Array.isArray(out)) throw new Error('pixelgym: expected one output');
  return out;
}

/** The kernels installed, with what each does; for docs, tests and the report. */
export const wasmKernelOverrides: Readonly<Record<string, string>> = {
  Conv2D:
    'replaced for valid, undilated convs with output channels % 8 == 0: 4-pixel x 8-channel SIMD tiles (conv_tiles.ts); ' +
    'else for strided valid convs over <= 16 channels with kernel % stride == 0: space-to-depth, then a stride-1 conv',
  FusedConv2D: 'replaced for strided valid convs over <= 16 channels like Conv2D (space-to-depth; bias and activation passed through)',
  Conv2DBackpropFilter:
    'added: SIMD outer-product tiles (input channels % 4 == 0, output channels % 8 == 0); else a conv of x^T with dy^T as the kernel',
  Conv2DBackpropInput:
    'replaced: valid, undilated, input channels % 8 == 0: SIMD tiles adding straight into the gradient; else dy @ W^T then a SIMD ' +
    'scatter-add (col2im); channels not divisible by 4: forward conv of dy split into stride² stride-1 sub-convs',
  DepthwiseConv2dNativeBackpropFilter: 'added: depthwise conv of x^T with dy^T as the kernel, summed over batch',
  DepthwiseConv2dNativeBackpropInput: 'added: depthwise conv of zero-dilated dy with the flipped kernel',
  BatchMatMul:
    'replaced: transposed operands made explicit (SIMD transpose of the cheaper side); a plain a @ b with a big b ' +
    'not seen before runs as (b^T a^T)^T, so XNNPACK packs the small a^T instead of b; a @ b^T with a big b (a dense ' +
    'input gradient) runs as (b @ a^T)^T on the SIMD tiles',
  _FusedMatMul: 'replaced when transposed: explicit transposes, then the plain fused kernel',
  Sum: 'replaced for leading axes (bias gradients): one SIMD pass instead of transpose + reduce',
  Transpose: 'replaced for (batched) float matrix transposes with dims divisible by 4: SIMD 4x4 shuffles',
  Identity: 'replaced: shares the data (reference counted, as the cpu back end does) instead of copying',
  [ADAM_KERNEL]: 'added: one SIMD pass per variable for the Adam update (fusedAdam optimizer)',
  [RELU_GRAD_KERNEL]: 'added: one SIMD pass for the ReLU gradient (Relu gradient on wasm)',
};

const kernels: Record<string, tf.KernelFunc> = {
  Conv2D: (args) => convViaDepth(wasmBackend(args.backend), 'Conv2D', args.inputs, args.attrs ?? {}) ?? saveOriginal('Conv2D')!(args),
  FusedConv2D: (args) =>
    convViaDepth(wasmBackend(args.backend), 'FusedConv2D', args.inputs, args.attrs ?? {}) ?? saveOriginal('FusedConv2D')!(args),
  Conv2DBackpropFilter: ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as Attrs & { filterShape: Shape4 };
    if (a.dataFormat === 'NCHW') throw new Error('pixelgym wasm Conv2DBackpropFilter: only NHWC is supported');
    return conv2dFilterGrad(wasmBackend(backend), inputs['x']!, inputs['dy']!, a.filterShape, a);
  },
  Conv2DBackpropInput: (args) => {
    const a = args.attrs as unknown as Attrs & { inputShape: Shape4 };
    if (a.dataFormat === 'NCHW') return single(saveOriginal('Conv2DBackpropInput')!(args));
    return conv2dInputGrad(wasmBackend(args.backend), args.inputs['dy']!, args.inputs['filter']!, a.inputShape, a);
  },
  DepthwiseConv2dNativeBackpropFilter: ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as DwAttrs & { filterShape: Shape4 };
    return depthwiseFilterGrad(wasmBackend(backend), inputs['x']!, inputs['dy']!, a.filterShape, a);
  },
  DepthwiseConv2dNativeBackpropInput: ({ inputs, attrs, backend }) => {
    const a = attrs as unknown as DwAttrs & { inputShape: Shape4 };
    return depthwiseInputGrad(wasmBackend(backend), inputs['dy']!, inputs['filter']!, a.inputShape, a);
  },
  BatchMatMul: ({ inputs, attrs, backend }) =>
    batchMatMul(
      wasmBackend(backend),
      inputs['a']!,
      inputs['b']!,
      Boolean(attrs?.['transposeA']),
      Boolean(attrs?.['transposeB']),
    ),
  _FusedMatMul: (args) => {
    if (!args.attrs?.['transposeA'] && !args.attrs?.['transposeB']) return saveOriginal('_FusedMatMul')!(args);
    return fusedMatMul(wasmBackend(args.backend), args.inputs, args.attrs ?? {});
  },
  // tfjs clones every tensor it saves for a gradient (and tf.clone): on wasm each clone was a full
  // copy (1.2 ms for a 3136x512 weight). Tensor data is immutable, so sharing it is enough.
  Identity: (args) => {
    const x = args.inputs['x']!;
    if (x.dtype === 'string') return saveOriginal('Identity')!(args);
    (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
  Transpose: (args) => {
    const perm = (args.attrs?.['perm'] ?? []) as number[];
    return fastTranspose(wasmBackend(args.backend), args.inputs['x']!, perm) ?? saveOriginal('Transpose')!(args);
  },
  ...fusedKernels,
};

let originalReluGradient: tf.GradConfig | null = null;

/**
 * ReLU's gradient is dy * cast(step(x)): three kernels. On wasm it becomes one; elsewhere the
 * default gradient runs unchanged. The one-pass kernel's own gradient keeps second order working.
 */
function registerReluGradient(): void {
  originalReluGradient ??= tf.getGradient('Relu');
  const original = originalReluGradient;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== 'wasm' || Array.isArray(dy)) return original.gradFunc(dy, saved, attrs);
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor };
    },
  });
  tf.registerGradient({
    kernelName: RELU_GRAD_KERNEL,
    inputsToSave: ['x'],
    gradFunc: (ddx, saved) => {
      const [x] = saved as [tf.Tensor];
      return {
        dy: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: ddx as tf.Tensor, x }) as tf.Tensor,
        x: () => tf.zerosLike(x),
      };
    },
  });
}

let installed = false;
/** The wasm back end's own configs of the kernels we replace, captured the first time. */
let originalConfigs: Map<string, tf.KernelConfig> | null = null;

/**
 * Registers our wasm kernels (idempotent). Call before or after the wasm back end initializes;
 * replaced kernels keep the original's setup so the originals stay callable.
 */
export function registerWasmKernels(): void {
  if (installed) return;
  if (!originalConfigs) {
    originalConfigs = new Map();
    for (const name of Object.keys(kernels)) {
      const original = tf.getKernel(name, 'wasm');
      if (original) {
        saveOriginal(name);
        originalConfigs.set(name, original);
      }
    }
  }
  for (const [name, kernelFunc] of Object.entries(kernels)) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    const original = originalConfigs.get(name);
    const config: tf.KernelConfig = { kernelName: name, backendName: 'wasm', kernelFunc };
    if (original?.setupFunc) config.setupFunc = original.setupFunc;
    if (original?.disposeFunc) config.disposeFunc = original.disposeFunc;
    tf.registerKernel(config);
  }
  registerReluGradient();
  installed = true;
}

/** Kernels the wasm back end lacks for conv training; kept by default when unregistering. */
export const missingWasmKernels: readonly string[] = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
];

/**
 * Puts the wasm back end's own kernels and tfjs's ReLU gradient back, for A/B measurements. Kernels
 * the back end lacks stay ours unless `keep` says otherwise (without them conv nets cannot train).
 */
export function unregisterWasmKernels(options: { keep?: readonly string[] } = {}): void {
  if (!installed || !originalConfigs) return;
  const keep = new Set(options.keep ?? missingWasmKernels);
  for (const name of Object.keys(kernels)) {
    if (keep.has(name)) continue;
    tf.unregisterKernel(name, 'wasm');
    const original = originalConfigs.get(name);
    if (original) tf.registerKernel(original);
  }
  if (originalReluGradient) tf.registerGradient(originalReluGradient);
  installed = false;
}

/** Whether our wasm kernels are installed now. */
export function wasmKernelsRegistered(): boolean {
  return installed;
}
