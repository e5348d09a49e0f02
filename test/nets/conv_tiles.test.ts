// Our 4 × 8 tile kernels on wasm (nets/kernels/conv_tiles.ts, dense_tiles.ts): the forward conv and
// the input gradient of 'valid' convs, and a dense layer's input gradient, against naive loops in
// double precision and against the routes they replace.
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../nets/backend.js';
import { batchMatMul } from '../../nets/kernels/batch_matmul.js';
import { conv2dInputGrad, convViaDepth } from '../../nets/kernels/conv2d_backprop.js';
import type { WasmBackendLike } from '../../nets/kernels/scope.js';
import { fmaEnabled } from '../../nets/kernels/simd/fma.js';
import { simdModuleBytes } from '../../nets/kernels/simd/module.js';
import { relErr, values } from './values.js';

type Shape4 = [number, number, number, number];

const root = fileURLToPath(new URL('../..', import.meta.url));

// A 1×1 conv over two channels whose second multiply-add shows the rounding: -(1 + 2^-11)·1, then
// (1 + 2^-12)² = 1 + 2^-11 + 2^-24 added to it. Fused: 2^-24. Rounded first: 0.
const fmaProbe = `
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('./dist/nets/backend.js');
  const { fmaEnabled } = await import('./dist/nets/kernels/simd/fma.js');
  await selectBackend('wasm');
  const e = 1 + 2 ** -12;
  const w = tf.tensor4d([...new Array(8).fill(1), ...new Array(8).fill(e)], [1, 1, 2, 8]);
  const y = tf.conv2d(tf.tensor4d([-(1 + 2 ** -11), e], [1, 1, 1, 2]), w, 1, 'valid').dataSync();
  console.log(JSON.stringify({ fma: fmaEnabled(), y: Array.from(y) }));`;

function runFmaProbe(env: Record<string, string>): Promise<{ fma: boolean; y: number[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', fmaProbe], { cwd: root, timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').pop()!) as { fma: boolean; y: number[] }),
    );
  });
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** A 'valid' conv's output and its input gradient for dy, in double precision. */
function naive(x: Float32Array, xs: Shape4, w: Float32Array, ws: Shape4, dy: Float32Array | null, s: [number, number]): { y: Float64Array; dx: Float64Array; outShape: Shape4 } {
  const [n, h, wd, c] = xs;
  const [kh, kw, , oc] = ws;
  const oh = Math.floor((h - kh) / s[0]) + 1;
  const ow = Math.floor((wd - kw) / s[1]) + 1;
  const y = new Float64Array(n * oh * ow * oc);
  const dx = new Float64Array(size(xs));
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < oc; o++) {
          const yi = ((b * oh + oy) * ow + ox) * oc + o;
          let sum = 0;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++)
              for (let ci = 0; ci < c; ci++) {
                const xi = ((b * h + oy * s[0] + ky) * wd + ox * s[1] + kx) * c + ci;
                const wi = ((ky * kw + kx) * c + ci) * oc + o;
                sum += x[xi]! * w[wi]!;
                if (dy) dx[xi] += dy[yi]! * w[wi]!;
              }
          y[yi] = sum;
        }
  return { y, dx, outShape: [n, oh, ow, oc] };
}

function take(t: tf.TensorInfo): Float32Array {
  const tensor = tf.engine().makeTensorFromTensorInfo(t);
  const v = tensor.dataSync() as Float32Array;
  tensor.dispose();
  return v;
}

async function wasm(): Promise<WasmBackendLike> {
  await selectBackend('wasm');
  return tf.backend() as unknown as WasmBackendLike;
}

describe('4 × 8 tile kernels on wasm', () => {
  it('uses fused multiply-adds where the runtime has relaxed SIMD, and plain ones with PIXELGYM_WASM_FMA=0', async () => {
    const fused = await runFmaProbe({});
    expect(fused.y).toEqual(new Array(8).fill(fused.fma ? 2 ** -24 : 0));
    expect(fused.fma).toBe(true); // Node 20 has it behind a flag we set; later Node has it on
    const plain = await runFmaProbe({ PIXELGYM_WASM_FMA: '0' });
    expect(plain).toEqual({ fma: false, y: new Array(8).fill(0) });
  });

  it('the SIMD module validates with the fused multiply-add choice this process made', () => {
    expect(typeof fmaEnabled()).toBe('boolean');
    const api = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(api.validate(simdModuleBytes())).toBe(true);
  });

  // Pixel counts not divisible by 4 (the last tile repeats its last pixel), inputs wider than the
  // windows reach, 1-64 channels, strides 1-4 and unequal ones, a single observation.
  const forwardCases: Array<[Shape4, Shape4, [number, number]]> = [
    [[2, 12, 11, 4], [3, 3, 4, 8], [1, 1]],
    [[3, 13, 13, 3], [4, 4, 3, 16], [2, 2]],
    [[1, 19, 19, 4], [8, 8, 4, 8], [4, 4]],
    [[2, 9, 9, 64], [3, 3, 64, 64], [1, 1]],
    [[1, 84, 84, 4], [8, 8, 4, 32], [4, 4]],
    [[5, 7, 6, 8], [2, 3, 8, 8], [2, 1]],
    [[3, 5, 5, 1], [5, 5, 1, 8], [1, 1]],
  ];

  it.each(forwardCases)('conv of x %j with w %j, strides %j matches naive loops, the stock route and the registered kernel', async (xs, ws, strides) => {
    const backend = await wasm();
    const before = tf.memory().numTensors;
    const xv = values(size(xs), 1);
    const wv = values(size(ws), 2);
    const ref = naive(xv, xs, wv, ws, null, strides);
    const x = tf.tensor4d(xv, xs);
    const w = tf.tensor4d(wv, ws);
    const attrs = { strides, pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
    const tiles = take(convViaDepth(backend, 'Conv2D', { x, filter: w }, attrs, 'tiles')!);
    const viaDepth = convViaDepth(backend, 'Conv2D', { x, filter: w }, attrs, 'depth');
    const stock = viaDepth ? take(viaDepth) : tf.tidy(() => tf.conv2d(x, w, strides, 'valid').dataSync() as Float32Array);
    const registered = tf.tidy(() => tf.conv2d(x, w, strides, 'valid').dataSync() as Float32Array);
    tf.dispose([x, w]);
    expect(tf.memory().numTensors).toBe(before);
    expect(tiles.length).toBe(size(ref.outShape));
    expect(relErr(ref.y, tiles)).toBeLessThan(1e-5);
    expect(relErr(stock, tiles)).toBeLessThan(1e-5);
    expect(registered).toEqual(tiles);
  });

  const inputGradCases: Array<[Shape4, Shape4, [number, number]]> = [
    [[2, 12, 11, 8], [3, 3, 8, 8], [1, 1]],
    [[4, 13, 13, 8], [4, 4, 8, 16], [2, 2]],
    [[4, 19, 19, 16], [8, 8, 16, 8], [4, 4]],
    [[4, 9, 9, 64], [3, 3, 64, 64], [1, 1]],
    [[4, 7, 8, 8], [2, 3, 8, 8], [2, 1]],
    [[4, 20, 20, 32], [4, 4, 32, 64], [2, 2]],
  ];

  it.each(inputGradCases)('input gradient of x %j, w %j, strides %j matches naive loops, col2im and the registered kernel', async (xs, ws, strides) => {
    const backend = await wasm();
    const before = tf.memory().numTensors;
    const xv = values(size(xs), 3);
    const wv = values(size(ws), 4);
    const shape = naive(xv, xs, wv, ws, null, strides).outShape;
    const dyv = values(size(shape), 5);
    const ref = naive(xv, xs, wv, ws, dyv, strides);
    const dy = tf.tensor4d(dyv, shape);
    const w = tf.tensor4d(wv, ws);
    const attrs = { strides, pad: 'valid' as const, dilations: [1, 1] as [number, number] };
    const tiles = take(conv2dInputGrad(backend, dy, w, xs, attrs, 'tiles'));
    const col2im = take(conv2dInputGrad(backend, dy, w, xs, attrs, 'col2im'));
    const registered = tf.tidy(
      () => (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, dataFormat: 'NHWC', inputShape: xs }) as tf.Tensor).dataSync() as Float32Array,
    );
    tf.dispose([dy, w]);
    expect(tf.memory().numTensors).toBe(before);
    expect(relErr(ref.dx, tiles)).toBeLessThan(1e-5);
    expect(relErr(col2im, tiles)).toBeLessThan(1e-5);
    expect(registered).toEqual(tiles);
  });

  it('leaves convs it cannot tile to the other routes, and says so when asked for tiles', async () => {
    const backend = await wasm();
    const x = tf.tensor4d(values(2 * 8 * 8 * 8, 6), [2, 8, 8, 8]);
    const w = tf.tensor4d(values(3 * 3 * 8 * 8, 7), [3, 3, 8, 8]);
    const w6 = tf.tensor4d(values(3 * 3 * 8 * 6, 8), [3, 3, 8, 6]);
    const same = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
    const valid = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
    expect(() => convViaDepth(backend, 'Conv2D', { x, filter: w }, same, 'tiles')).toThrow(/valid, undilated/);
    expect(() => convViaDepth(backend, 'Conv2D', { x, filter: w6 }, valid, 'tiles')).toThrow(/output channels % 8/);
    const dy = tf.tensor4d(values(2 * 8 * 8 * 8, 9), [2, 8, 8, 8]);
    expect(() => conv2dInputGrad(backend, dy, w, [2, 8, 8, 8], { strides: 1, pad: 'same' }, 'tiles')).toThrow(/valid, undilated/);
    // 'same' still works through the other routes
    const viaAuto = take(conv2dInputGrad(backend, dy, w, [2, 8, 8, 8], { strides: 1, pad: 'same' }));
    const viaConv = take(conv2dInputGrad(backend, dy, w, [2, 8, 8, 8], { strides: 1, pad: 'same' }, 'conv'));
    expect(relErr(viaConv, viaAuto)).toBeLessThan(1e-5);
    tf.dispose([x, w, w6, dy]);
  });

  it('a dense input gradient dy @ W^T with a big W runs on the tiles and matches XNNPACK and naive loops', async () => {
    const backend = await wasm();
    const [m, k, n] = [8, 256, 1032]; // W [n, k]: tiles when m % 8 == 0 and m·k·n ≥ 2^20
    const av = values(m * k, 10);
    const bv = values(n * k, 11);
    const a = tf.tensor2d(av, [m, k]);
    const b = tf.tensor2d(bv, [n, k]);
    const tiles = take(batchMatMul(backend, a, b, false, true));
    const xnn = take(batchMatMul(backend, a, b, false, true, 'xnnpack'));
    const registered = tf.tidy(() => tf.matMul(a, b, false, true).dataSync() as Float32Array);
    const ref = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) ref[i * n + j] += av[i * k + t]! * bv[j * k + t]!;
    expect(relErr(ref, tiles)).toBeLessThan(1e-5);
    expect(relErr(xnn, tiles)).toBeLessThan(1e-5);
    expect(registered).toEqual(tiles);
    // Not a multiple of 8 rows: XNNPACK's route, same values.
    const a7 = tf.tensor2d(av.subarray(0, 7 * k), [7, k]);
    const seven = tf.tidy(() => tf.matMul(a7, b, false, true).dataSync() as Float32Array);
    expect(relErr(ref.subarray(0, 7 * n), seven)).toBeLessThan(1e-5);
    tf.dispose([a, b, a7]);
  });

  it('a forward product with a new, wide b runs on packed strips and matches XNNPACK and naive loops', async () => {
    const backend = await wasm();
    const [m, k, n] = [10, 256, 512]; // 10 rows: the last row tile repeats row 9
    const av = values(m * k, 12);
    const bv = values(k * n, 13);
    const a = tf.tensor2d(av, [m, k]);
    const b = tf.tensor2d(bv, [k, n]);
    const fresh = (): tf.Tensor2D => tf.tidy(() => tf.add(b, 0)); // a b not seen before, as in training
    const b1 = fresh();
    const strips = take(batchMatMul(backend, a, b1, false, false));
    const b2 = fresh();
    const xnn = take(batchMatMul(backend, a, b2, false, false, 'xnnpack'));
    const b3 = fresh();
    const registered = tf.tidy(() => tf.matMul(a, b3).dataSync() as Float32Array);
    const ref = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) for (let j = 0; j < n; j++) ref[i * n + j] += av[i * k + t]! * bv[t * n + j]!;
    expect(relErr(ref, strips)).toBeLessThan(1e-5);
    expect(relErr(xnn, strips)).toBeLessThan(1e-5);
    expect(registered).toEqual(strips);
    tf.dispose([a, b, b1, b2, b3]);
  });

  it('a weight gradient x^T @ dy with a short sum runs on the tiles with dy packed, matching XNNPACK and naive loops', async () => {
    const backend = await wasm();
    const [k, m, n] = [32, 516, 256]; // x [k, m], dy [k, n]: dW [m, n]
    const xv = values(k * m, 14);
    const dv = values(k * n, 15);
    const x = tf.tensor2d(xv, [k, m]);
    const dy = tf.tensor2d(dv, [k, n]);
    const tiles = take(batchMatMul(backend, x, dy, true, false));
    const xnn = take(batchMatMul(backend, x, dy, true, false, 'xnnpack'));
    const registered = tf.tidy(() => tf.matMul(x, dy, true, false).dataSync() as Float32Array);
    const ref = new Float64Array(m * n);
    for (let t = 0; t < k; t++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ref[i * n + j] += xv[t * m + i]! * dv[t * n + j]!;
    expect(relErr(ref, tiles)).toBeLessThan(1e-5);
    expect(relErr(xnn, tiles)).toBeLessThan(1e-5);
    expect(registered).toEqual(tiles);
    tf.dispose([x, dy]);
  });
});
