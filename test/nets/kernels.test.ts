// pixelgym's wasm kernels against the cpu back end (tfjs's reference kernels) and, where cpu has no
// reference (dilated conv gradients), against naive loops. Small shapes: cpu is slow.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWasmThreads, selectBackend, wasmThreads } from '../../nets/backend.js';
import { conv2dFilterGrad } from '../../nets/kernels/conv2d_backprop.js';
import { filterGradPlan, stridedInputGradPlan, stride1InputGradPlan } from '../../nets/kernels/conv_geometry.js';
import { registerWasmKernels, unregisterWasmKernels, wasmKernelOverrides, wasmKernelsRegistered } from '../../nets/kernels/register.js';
import { wasmMemoryOf } from '../../nets/kernels/heap.js';
import type { WasmBackendLike } from '../../nets/kernels/scope.js';
import { isSharedMemory, simdKernels, simdModuleBytes } from '../../nets/kernels/simd/module.js';
import { depthPlan } from '../../nets/kernels/space_to_depth.js';
import { transposePlan } from '../../nets/kernels/transpose.js';
import { relErr, values } from './values.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Runs f on a back end with fresh tensors, returns plain arrays; checks it leaves no tensors behind. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await selectBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(f);
  const data = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  expect(tf.memory().numTensors).toBe(before);
  return data;
}

/** Gradients of sum(conv(x, w) * r) w.r.t. x and w: dy = r, on both back ends. */
async function convGrads(
  backend: 'cpu' | 'wasm',
  xs: Shape4,
  ws: Shape4,
  strides: number | [number, number],
  pad: Pad,
  depthwise = false,
): Promise<Float32Array[]> {
  return on(backend, () => {
    const x = tf.tensor4d(values(size(xs), 1), xs);
    const w = tf.tensor4d(values(size(ws), 2), ws);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D =>
      depthwise ? tf.depthwiseConv2d(a, b, strides, pad) : tf.conv2d(a, b, strides, pad);
    const outShape = tf.tidy(() => conv(x, w).shape);
    const r = tf.tensor(values(size(outShape), 3), outShape);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
    return [gx!, gw!];
  });
}

/** Naive input and filter gradients of a (depthwise) conv with dilations, for dy = r. */
function naiveConvGrads(
  x: Float32Array,
  xs: Shape4,
  w: Float32Array,
  ws: Shape4,
  dy: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  depthwise: boolean,
): [Float32Array, Float32Array] {
  const [n, h, wd, c] = xs;
  const [kh, kw, , m] = ws;
  const { outHeight: oh, outWidth: ow, outChannels: oc } = info;
  const dx = new Float32Array(size(xs));
  const dw = new Float32Array(size(ws));
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * info.strideHeight + ky * info.dilationHeight - info.padInfo.top;
            const ix = ox * info.strideWidth + kx * info.dilationWidth - info.padInfo.left;
            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
            for (let ci = 0; ci < c; ci++) {
              const xi = ((b * h + iy) * wd + ix) * c + ci;
              const outs = depthwise ? m : oc;
              for (let j = 0; j < outs; j++) {
                const o = depthwise ? ci * m + j : j;
                const g = dy[((b * oh + oy) * ow + ox) * oc + o]!;
                const wi = ((ky * kw + kx) * c + ci) * (depthwise ? m : oc) + j;
                dx[xi] += g * w[wi]!;
                dw[wi] += g * x[xi]!;
              }
            }
          }
  return [dx, dw];
}

describe('wasm kernels', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('registers the missing conv-training kernels on wasm only', () => {
    for (const name of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
      expect(Object.keys(wasmKernelOverrides)).toContain(name);
    }
    // The cpu back end keeps its own kernels.
    expect(tf.getKernel('Conv2DBackpropInput', 'cpu')!.kernelFunc).not.toBe(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc);
  });

  it('can put the stock wasm kernels back (keeping the missing ones) and reinstall ours', async () => {
    await selectBackend('wasm');
    const ours = tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc;
    const grad = (): Float32Array =>
      tf.tidy(() => {
        const x = tf.tensor4d(values(2 * 9 * 9 * 2, 40), [2, 9, 9, 2]);
        const w = tf.tensor4d(values(3 * 3 * 2 * 3, 41), [3, 3, 2, 3]);
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))))([x, w]);
        return Float32Array.from([...gx!.dataSync(), ...gw!.dataSync()]);
      });
    const withOurs = grad();
    unregisterWasmKernels();
    try {
      expect(wasmKernelsRegistered()).toBe(false);
      expect(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc).not.toBe(ours);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
      expect(tf.getKernel('PixelgymAdamUpdate', 'wasm')).toBeUndefined();
      expect(relErr(withOurs, grad())).toBeLessThan(1e-5);
    } finally {
      registerWasmKernels();
    }
    expect(wasmKernelsRegistered()).toBe(true);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc).toBe(ours);
    expect(Array.from(grad())).toEqual(Array.from(withOurs));
  });

  it('the SIMD module is valid WebAssembly, for a plain and a shared memory', () => {
    const api = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(api.validate(simdModuleBytes())).toBe(true);
    expect(api.validate(simdModuleBytes(true))).toBe(true);
  });

  // This file runs on whatever thread count PIXELGYM_WASM_THREADS gives (default 2 on 2 cores, the
  // threaded build's shared memory); run it with PIXELGYM_WASM_THREADS=1 for the plain SIMD build.
  it('runs on the default thread count, with our SIMD kernels bound to its memory', async () => {
    await selectBackend('wasm');
    const threads = defaultWasmThreads();
    expect(wasmThreads()).toBe(threads);
    const memory = wasmMemoryOf(tf.backend() as unknown as WasmBackendLike);
    expect(memory).toBeDefined();
    expect(isSharedMemory(memory!)).toBe(threads > 1);
    expect(simdKernels(memory)).not.toBeNull();
  });

  // [batch, size, inC, kernel, outC, stride, pad]
  const convCases: Array<[number, number, number, number, number, number | [number, number], Pad]> = [
    [2, 12, 3, 3, 4, 1, 'valid'],
    [2, 12, 3, 3, 4, 1, 'same'],
    [1, 9, 2, 1, 3, 1, 'same'],
    [2, 13, 3, 4, 5, 2, 'valid'],
    [3, 13, 3, 4, 5, 2, 'same'],
    [2, 11, 2, 5, 3, 3, 'valid'],
    [1, 17, 2, 5, 3, 3, 'same'],
    [2, 20, 4, 8, 6, 4, 'valid'],
    [1, 19, 4, 8, 6, 4, 'same'],
    [2, 11, 2, 2, 3, 4, 'same'],
    [2, 9, 2, 1, 3, 2, 'valid'],
    [2, 10, 3, 3, 2, [1, 2], 'same'],
    [1, 14, 2, 4, 3, [3, 2], 'valid'],
    [2, 10, 2, 3, 3, 2, [[0, 0], [2, 1], [0, 3], [0, 0]]],
    [1, 9, 2, 3, 2, 1, [[0, 0], [1, 0], [2, 2], [0, 0]]],
    // channels divisible by 4: the input gradient goes through dy @ W^T and col2im
    [2, 9, 8, 3, 5, 1, 'valid'],
    [2, 9, 4, 3, 5, 1, 'same'],
    [2, 12, 4, 4, 6, 2, 'valid'],
    [1, 13, 8, 5, 3, 3, 'same'],
    [2, 10, 4, 3, 3, [2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]]],
  ];

  it.each(convCases)('conv2d gradients match cpu: batch %i, %i², inC %i, k %i, outC %i, stride %j, pad %j', async (n, s, c, k, o, stride, pad) => {
    const xs: Shape4 = [n, s, s + 1, c];
    const ws: Shape4 = [k, k, c, o];
    const cpu = await convGrads('cpu', xs, ws, stride, pad);
    const wasm = await convGrads('wasm', xs, ws, stride, pad);
    expect(relErr(cpu[0]!, wasm[0]!)).toBeLessThan(1e-5);
    expect(relErr(cpu[1]!, wasm[1]!)).toBeLessThan(1e-5);
  });

  it.each([
    [2, 84, 4, 8, 4, 'valid'], // Nature CNN layer 1 (space-to-depth)
    [2, 13, 3, 4, 2, 'valid'], // 13 rows: cropped to the 12 the conv reads
    [1, 15, 16, 6, 3, 'valid'],
    [1, 16, 17, 4, 2, 'valid'], // 17 channels: plain conv
    [2, 16, 4, 4, 2, 'same'], // padded: plain conv
  ] as Array<[number, number, number, number, number, Pad]>)(
    'conv2d and fused conv2d forward match cpu: batch %i, %i², C %i, k %i, stride %i, %j',
    async (n, sz, c, k, st, pad) => {
      const run = (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> =>
        on(backend, () => {
          const x = tf.tensor4d(values(n * sz * sz * c, 50), [n, sz, sz, c]);
          const w = tf.tensor4d(values(k * k * c * 8, 51), [k, k, c, 8]);
          const bias = tf.tensor1d(values(8, 52));
          return [tf.conv2d(x, w, st, pad), tf.fused.conv2d({ x, filter: w, strides: st, pad, bias, activation: 'relu' })];
        });
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      cpu.forEach((c2, i) => expect(relErr(c2, wasm[i]!)).toBeLessThan(1e-5));
    },
  );

  // [batch, size, channels, kernel, multiplier, stride, pad]
  const depthwiseCases: Array<[number, number, number, number, number, number, Pad]> = [
    [2, 9, 3, 3, 1, 1, 'same'],
    [2, 9, 3, 3, 2, 1, 'valid'],
    [1, 12, 2, 4, 2, 2, 'same'],
    [2, 13, 2, 5, 1, 3, 'valid'],
    [1, 16, 3, 8, 2, 4, 'same'],
  ];

  it.each(depthwiseCases)('depthwiseConv2d gradients match cpu: batch %i, %i², C %i, k %i, mult %i, stride %i, %j', async (n, s, c, k, m, stride, pad) => {
    const xs: Shape4 = [n, s, s, c];
    const ws: Shape4 = [k, k, c, m];
    const cpu = await convGrads('cpu', xs, ws, stride, pad, true);
    const wasm = await convGrads('wasm', xs, ws, stride, pad, true);
    expect(relErr(cpu[0]!, wasm[0]!)).toBeLessThan(1e-5);
    expect(relErr(cpu[1]!, wasm[1]!)).toBeLessThan(1e-5);
  });

  // tfjs's gradients refuse dilations, and cpu's backprop kernels ignore them: check the kernels
  // called directly against naive loops.
  const dilatedCases: Array<[boolean, number, number, Pad, number]> = [
    [false, 2, 3, 'valid', 3],
    [false, 2, 3, 'same', 3],
    [false, 3, 2, 'same', 3],
    [false, 2, 3, 'same', 4], // col2im route
    [true, 2, 3, 'same', 3],
    [true, 2, 2, 'valid', 3],
  ];

  it.each(dilatedCases)('dilated gradient kernels (depthwise %s, dilation %i, k %i, %j, %i channels) match naive loops', async (depthwise, d, k, pad, c) => {
    await selectBackend('wasm');
    const xs: Shape4 = [2, 11, 10, c];
    const ws: Shape4 = [k, k, c, 2];
    const info = tf.backend_util.computeConv2DInfo(xs, ws, 1, d, pad, undefined, depthwise);
    const xv = values(size(xs), 4);
    const wv = values(size(ws), 5);
    const dyv = values(size(info.outShape), 6);
    const [dxRef, dwRef] = naiveConvGrads(xv, xs, wv, ws, dyv, info, depthwise);
    const before = tf.memory().numTensors;
    const [dx, dw] = tf.tidy(() => {
      const x = tf.tensor4d(xv, xs);
      const w = tf.tensor4d(wv, ws);
      const dy = tf.tensor4d(dyv, info.outShape as Shape4);
      const attrs = { strides: [1, 1], pad, dilations: [d, d], dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
      const prefix = depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
      const gx = tf.engine().runKernel(`${prefix}BackpropInput`, { dy, filter: w }, { ...attrs, inputShape: xs }) as tf.Tensor;
      const gw = tf.engine().runKernel(`${prefix}BackpropFilter`, { x, dy }, { ...attrs, filterShape: ws }) as tf.Tensor;
      return [gx.dataSync(), gw.dataSync()];
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(relErr(dxRef, dx)).toBeLessThan(1e-5);
    expect(relErr(dwRef, dw)).toBeLessThan(1e-5);
  });

  // The tiled filter gradient (input channels % 4 == 0, output channels % 8 == 0) against naive loops
  // and the conv route: strides 1-4, same/valid/explicit pads, a dilation, several samples per sweep
  // (small images) and bands of rows within one sample (a big one).
  const tileCases: Array<[Shape4, Shape4, number | [number, number], Pad, number]> = [
    [[2, 12, 11, 4], [3, 3, 4, 8], 1, 'valid', 1],
    [[2, 12, 11, 8], [3, 3, 8, 16], 1, 'same', 1],
    [[3, 13, 13, 4], [4, 4, 4, 8], 2, 'same', 1],
    [[1, 17, 16, 4], [5, 5, 4, 8], 3, 'same', 1],
    [[2, 20, 21, 4], [8, 8, 4, 16], 4, 'valid', 1],
    [[1, 19, 19, 4], [8, 8, 4, 8], 4, 'same', 1],
    [[2, 11, 10, 4], [3, 3, 4, 8], 1, 'same', 2],
    [[2, 10, 12, 8], [3, 3, 8, 8], [2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]], 1],
    [[2, 90, 91, 4], [3, 3, 4, 8], 1, 'valid', 1],
  ];

  it.each(tileCases)('tiled filter gradient of x %j, w %j, stride %j, pad %j, dilation %i matches naive loops and the conv route', async (xs, ws, stride, pad, d) => {
    await selectBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackendLike;
    const strides: [number, number] = typeof stride === 'number' ? [stride, stride] : stride;
    const info = tf.backend_util.computeConv2DInfo(xs, ws, strides, d, pad);
    const xv = values(size(xs), 11);
    const dyv = values(size(info.outShape), 12);
    const [, dwRef] = naiveConvGrads(xv, xs, new Float32Array(size(ws)), ws, dyv, info, false);
    const before = tf.memory().numTensors;
    const x = tf.tensor4d(xv, xs);
    const dy = tf.tensor4d(dyv, info.outShape as Shape4);
    const attrs = { strides, pad, dilations: [d, d] as [number, number] };
    const read = (method: 'tiles' | 'conv'): Float32Array => {
      const t = tf.engine().makeTensorFromTensorInfo(conv2dFilterGrad(backend, x, dy, ws, attrs, method));
      const v = t.dataSync() as Float32Array;
      t.dispose();
      return v;
    };
    const tiles = read('tiles');
    const viaConv = read('conv');
    const registered = tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, dataFormat: 'NHWC', filterShape: ws }) as tf.Tensor).dataSync());
    tf.dispose([x, dy]);
    expect(tf.memory().numTensors).toBe(before);
    expect(relErr(dwRef, tiles)).toBeLessThan(1e-5);
    expect(relErr(viaConv, tiles)).toBeLessThan(1e-5);
    expect(registered).toEqual(tiles); // the registered kernel takes the tiled route
  });

  it('the tiled filter gradient refuses channel counts it cannot tile', async () => {
    await selectBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackendLike;
    const x = tf.zeros([1, 6, 6, 3]) as tf.Tensor4D;
    const dy = tf.zeros([1, 4, 4, 8]) as tf.Tensor4D;
    expect(() => conv2dFilterGrad(backend, x, dy, [3, 3, 3, 8], { strides: 1, pad: 'valid' }, 'tiles')).toThrow(/input channels % 4/);
    tf.dispose([x, dy]);
  });

  const matmulCases: Array<[number[], number[], boolean, boolean]> = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 7, 5], [2, 7, 3], true, false],
    [[2, 5, 7], [2, 3, 7], false, true],
    [[40, 9], [40, 300], true, false], // the other orientation: (b^T a)^T
    [[9, 300], [4, 300], false, true],
    [[8, 256], [256, 512], false, false], // big b: the transposed route
  ];

  it.each(matmulCases)('matMul %j x %j (transposeA %s, transposeB %s): value and gradients match cpu', async (as, bs, ta, tb) => {
    const run = (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> =>
      on(backend, () => {
        const a = tf.tensor(values(size(as), 7), as);
        const b = tf.tensor(values(size(bs), 8), bs);
        const y = tf.matMul(a, b, ta, tb);
        const r = tf.tensor(values(size(y.shape), 9), y.shape);
        const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, ta, tb), r)))([a, b]);
        return [y, ga!, gb!];
      });
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    cpu.forEach((c, i) => expect(relErr(c, wasm[i]!)).toBeLessThan(1e-5));
  });

  it('a @ b with a big, new b (packed as a^T via transposes) and then the same b again (plain) match cpu', async () => {
    const run = (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> =>
      on(backend, () => {
        const b = tf.tensor2d(values(256 * 512, 16), [256, 512]);
        const a1 = tf.tensor2d(values(8 * 256, 17), [8, 256]);
        const a2 = tf.tensor3d(values(8 * 256, 18), [1, 8, 256]);
        return [tf.matMul(a1, b), tf.matMul(a2, b), tf.matMul(a1, b)];
      });
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    cpu.forEach((c, i) => expect(relErr(c, wasm[i]!)).toBeLessThan(1e-5));
  });

  it('fused matMul with transposes, bias and relu matches cpu', async () => {
    const run = (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> =>
      on(backend, () => {
        const a = tf.tensor2d(values(6 * 4, 10), [6, 4]);
        const b = tf.tensor2d(values(5 * 6, 11), [5, 6]);
        const bias = tf.tensor1d(values(5, 12));
        return [tf.fused.matMul({ a, b, transposeA: true, transposeB: true, bias, activation: 'relu' })];
      });
    expect(relErr((await run('cpu'))[0]!, (await run('wasm'))[0]!)).toBeLessThan(1e-6);
  });

  it('the one-pass ReLU gradient matches cpu, at first and second order', async () => {
    const run = (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> =>
      on(backend, () => {
        const v = values(4 * 9, 13);
        v[0] = 0; // relu'(0) = 0, as tfjs's step
        const x = tf.tensor2d(v, [4, 9]);
        const r = tf.tensor2d(values(4 * 9, 14), [4, 9]);
        const g1 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), r)))(x);
        const g2 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.relu(b), b)))(a), r)))(x);
        return [g1, g2];
      });
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(Array.from(wasm[0]!)).toEqual(Array.from(cpu[0]!).map((v) => v + 0)); // exact; -0 vs 0 compare equal
    expect(relErr(cpu[1]!, wasm[1]!)).toBeLessThan(1e-6);
  });

  it.each([
    [[6, 5, 8], [0, 1], false],
    [[6, 5, 8], [0], true],
    [[3, 4, 4, 12], [0, 1, 2], false],
    [[7, 6], [0], false], // 6 columns: not a multiple of 4, the original kernel runs
    [[4, 8], [1], false], // not leading axes
    [[5, 8], [-2], false],
  ])('sum of %j over %j (keepDims %s) matches cpu', async (shape, axis, keepDims) => {
    const run = (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> =>
      on(backend, () => [tf.sum(tf.tensor(values(size(shape), 15), shape), axis, keepDims)]);
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(relErr(cpu[0]!, wasm[0]!)).toBeLessThan(1e-6);
  });

  it.each([
    [[8, 12], [1, 0]],
    [[3, 8, 12], [0, 2, 1]],
    [[2, 1, 8, 4], [0, 3, 2, 1]], // unit axis dropped: a batched swap
    [[8, 6], [1, 0]], // 6 columns: generic kernel
    [[4, 8, 3], [1, 0, 2]], // inner block of 3: generic kernel
    [[4, 8, 12], [1, 0, 2]], // block transpose
    [[4, 6, 6, 8], [3, 1, 2, 0]], // reversal, two passes
    [[6, 6, 6, 8], [3, 1, 2, 0]], // reversal with a = 6: generic kernel
    [[4, 6, 6, 8], [1, 2, 0, 3]],
    [[3, 5, 4, 2, 8], [0, 2, 1, 3, 4]], // batched block transpose
  ])('transpose of %j by %j matches cpu', async (shape, perm) => {
    const run = (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> =>
      on(backend, () => [tf.transpose(tf.tensor(values(size(shape), 19), shape), perm)]);
    expect(Array.from((await run('wasm'))[0]!)).toEqual(Array.from((await run('cpu'))[0]!));
  });

  it('clones share data safely: each outlives the other, variables keep their own values', async () => {
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    const v = tf.variable(b);
    b.dispose();
    tf.tidy(() => v.assign(tf.mul(v, 2)));
    const s = tf.clone(v);
    tf.tidy(() => v.assign(tf.add(v, 1)));
    expect(Array.from(s.dataSync())).toEqual([2, 4, 6]);
    expect(Array.from(v.dataSync())).toEqual([3, 5, 7]);
    tf.dispose([s, v]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a small Nature-CNN-shaped net has the same loss gradients on wasm as on cpu', async () => {
    const grads = (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> =>
      on(backend, () => {
        const x = tf.tensor4d(values(2 * 44 * 44 * 4, 21), [2, 44, 44, 4]);
        const w1 = tf.tensor4d(values(8 * 8 * 4 * 8, 22), [8, 8, 4, 8]);
        const w2 = tf.tensor4d(values(4 * 4 * 8 * 8, 23), [4, 4, 8, 8]);
        const w3 = tf.tensor4d(values(3 * 3 * 8 * 8, 24), [3, 3, 8, 8]);
        const wd = tf.tensor2d(values(2 * 2 * 8 * 16, 25), [32, 16]);
        const wo = tf.tensor2d(values(16 * 3, 26), [16, 3]);
        const b1 = tf.tensor1d(values(8, 27));
        const target = tf.tensor2d(values(6, 28), [2, 3]);
        const f = (...ps: tf.Tensor[]): tf.Scalar => {
          const [p1, p2, p3, pd, po, pb] = ps as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          let h: tf.Tensor4D = tf.relu(tf.add(tf.conv2d(x, p1, 4, 'valid'), pb) as tf.Tensor4D);
          h = tf.relu(tf.conv2d(h, p2, 2, 'valid'));
          h = tf.relu(tf.conv2d(h, p3, 1, 'valid'));
          const flat = tf.reshape(h, [2, -1]) as tf.Tensor2D;
          const q = tf.matMul(tf.relu(tf.matMul(flat, pd)), po);
          return tf.losses.huberLoss(target, q) as tf.Scalar;
        };
        return tf.grads(f)([w1, w2, w3, wd, wo, b1]);
      });
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    cpu.forEach((c, i) => expect(relErr(c, wasm[i]!)).toBeLessThan(1e-5));
  });

  it('repeated conv train steps leave no tensors or wasm buffers behind', async () => {
    await selectBackend('wasm');
    const w = tf.variable(tf.tensor4d(values(4 * 4 * 2 * 4, 31), [4, 4, 2, 4]));
    const x = tf.tensor4d(values(2 * 12 * 12 * 2, 32), [2, 12, 12, 2]);
    const opt = tf.train.sgd(0.01);
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.relu(tf.conv2d(x, w, 2, 'same')))), [w]);
      opt.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const tensors = tf.memory().numTensors;
    const buffers = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(buffers);
    tf.dispose([w, x]);
    opt.dispose();
  });
});

describe('transpose plans', () => {
  it('recognizes swaps and three-group reversals after dropping unit axes and merging runs', () => {
    expect(transposePlan([3136, 512], [1, 0])).toEqual({ kind: 'swap', batch: 1, rows: 3136, cols: 512, inner: 1 });
    expect(transposePlan([2, 5, 7], [0, 2, 1])).toEqual({ kind: 'swap', batch: 2, rows: 5, cols: 7, inner: 1 });
    expect(transposePlan([32, 20, 20, 32], [1, 2, 0, 3])).toEqual({ kind: 'swap', batch: 1, rows: 32, cols: 400, inner: 32 });
    expect(transposePlan([1, 5, 7], [0, 2, 1])).toEqual({ kind: 'swap', batch: 1, rows: 5, cols: 7, inner: 1 });
    expect(transposePlan([32, 84, 84, 4], [3, 1, 2, 0])).toEqual({ kind: 'reverse3', a: 32, b: 7056, c: 4 });
    expect(transposePlan([4, 5, 6, 7], [3, 2, 1, 0])).toBeNull();
    expect(transposePlan([4, 5], [0, 1])).toBeNull();
  });
});

describe('space-to-depth plans', () => {
  const info = (x: Shape4, w: Shape4, stride: number, pad: Pad, dilation = 1): tf.backend_util.Conv2DInfo =>
    tf.backend_util.computeConv2DInfo(x, w, stride, dilation, pad);
  it('applies to strided valid convs over few channels with kernel divisible by stride', () => {
    expect(depthPlan(info([32, 84, 84, 4], [8, 8, 4, 32], 4, 'valid'))).toEqual({ stride: 4, rows: 84, cols: 84 });
    expect(depthPlan(info([1, 13, 14, 3], [4, 4, 3, 5], 2, 'valid'))).toEqual({ stride: 2, rows: 12, cols: 14 });
  });
  it('does not apply otherwise', () => {
    expect(depthPlan(info([32, 20, 20, 32], [4, 4, 32, 64], 2, 'valid'))).toBeNull(); // 32 channels
    expect(depthPlan(info([1, 16, 16, 4], [3, 3, 4, 5], 2, 'valid'))).toBeNull(); // 3 % 2
    expect(depthPlan(info([1, 16, 16, 4], [4, 4, 4, 5], 2, 'same'))).toBeNull();
    expect(depthPlan(info([1, 16, 16, 4], [4, 4, 4, 5], 1, 'valid'))).toBeNull();
    expect(depthPlan(info([1, 16, 16, 4], [2, 2, 4, 5], 1, 'valid', 2))).toBeNull();
  });
});

describe('conv gradient geometry', () => {
  it('stride-1 input gradient pads dy by the kernel reach minus the forward pad', () => {
    // valid 3-tap conv over 10: out 8; dx needs dy padded 2 both sides.
    expect(stride1InputGradPlan({ inSize: 10, outSize: 8, kernel: 3, stride: 1, dilation: 1, padBefore: 0 })).toEqual({
      cropBefore: 0,
      cropAfter: 0,
      padBefore: 2,
      padAfter: 2,
    });
    // forward pad larger than the reach: dy is cropped instead.
    expect(stride1InputGradPlan({ inSize: 4, outSize: 8, kernel: 1, stride: 1, dilation: 1, padBefore: 2 })).toMatchObject({
      cropBefore: 2,
      cropAfter: 2,
    });
  });

  it('strided input gradient splits by residue and covers exactly the input', () => {
    // Nature CNN layer 2: 20 -> 9 with k 4, s 2.
    const p = stridedInputGradPlan({ inSize: 20, outSize: 9, kernel: 4, stride: 2, dilation: 1, padBefore: 0 });
    expect(p).toEqual({ taps: 2, q0: 0, count: 10, cropBefore: 0, cropAfter: 0, padBefore: 1, padAfter: 1, sliceStart: 0 });
    expect(p.count * 2).toBeGreaterThanOrEqual(20 + p.sliceStart);
  });

  it('filter gradient conv produces at least the kernel size', () => {
    const p = filterGradPlan({ inSize: 84, outSize: 20, kernel: 8, stride: 4, dilation: 1, padBefore: 0 });
    expect(p).toEqual({ padBefore: 0, padAfter: 0, resultSize: 8 });
    const q = filterGradPlan({ inSize: 11, outSize: 6, kernel: 4, stride: 2, dilation: 1, padBefore: 1 });
    expect(q.resultSize).toBeGreaterThanOrEqual(4);
  });
});
