// The wasm back end on the threaded SIMD build: thread count, input checks, determinism (run to run
// and against the single-threaded build), restarting with another count, and a process that exits.
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultWasmThreads, selectBackend, stopWasmBackend, wasmThreads } from '../../nets/backend.js';
import { wasmMemoryOf } from '../../nets/kernels/heap.js';
import type { WasmBackendLike } from '../../nets/kernels/scope.js';
import { batchMatMul } from '../../nets/kernels/batch_matmul.js';
import { conv2dFilterGrad, conv2dInputGrad, convViaDepth } from '../../nets/kernels/conv2d_backprop.js';
import { simdHelper } from '../../nets/kernels/simd/helper.js';
import { isSharedMemory } from '../../nets/kernels/simd/module.js';
import { makeOptimizer } from '../../nets/optim.js';
import { values } from './values.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface TrainRun {
  losses: number[];
  weights: Float32Array[];
}

/**
 * Trains a small conv net (two convs, big enough for XNNPACK to split over threads, then a dense
 * head) with pixelgym's Adam for `steps` steps from fixed weights and data on the current back end.
 */
function trainSmallConvNet(steps: number): TrainRun {
  const shapes: number[][] = [[8, 8, 4, 16], [16], [4, 4, 16, 32], [32], [3 * 3 * 32, 6], [6]];
  const vars = shapes.map((s, i) =>
    tf.tidy(() => tf.variable(tf.tensor(values(s.reduce((a, b) => a * b, 1), 11 + i, 0.1), s))),
  );
  const [w1, b1, w2, b2, w3, b3] = vars as [tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>];
  const x = tf.tensor4d(values(16 * 36 * 36 * 4, 3, 1), [16, 36, 36, 4]);
  const y = tf.tensor2d(values(16 * 6, 5, 1), [16, 6]);
  const optimizer = makeOptimizer({ type: 'adam', learningRate: 1e-3 });
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const loss = optimizer.minimize(() => {
        const h1 = tf.relu(tf.add(tf.conv2d(x, w1, 4, 'valid'), b1)) as tf.Tensor4D;
        const h2 = tf.relu(tf.add(tf.conv2d(h1, w2, 2, 'valid'), b2)) as tf.Tensor4D;
        const out = tf.add(tf.matMul(tf.reshape(h2, [16, 3 * 3 * 32]), w3), b3);
        return tf.losses.meanSquaredError(y, out) as tf.Scalar;
      }, true);
      losses.push(loss!.dataSync()[0]!);
      loss!.dispose();
    }
    return { losses, weights: vars.map((v) => v.dataSync() as Float32Array) };
  } finally {
    optimizer.dispose();
    tf.dispose([...vars, x, y]);
  }
}

describe('threaded wasm back end', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('rejects bad thread counts with a clear error and no change', async () => {
    await selectBackend('cpu');
    for (const bad of [0, -1, 1.5, 9, Number.NaN]) {
      await expect(selectBackend('wasm', { wasmThreads: bad })).rejects.toThrow(/integer from 1 to 8/);
    }
    expect(tf.getBackend()).toBe('cpu');
    expect(wasmThreads()).toBeNull();
    const saved = process.env['PIXELGYM_WASM_THREADS'];
    try {
      process.env['PIXELGYM_WASM_THREADS'] = 'two';
      expect(() => defaultWasmThreads()).toThrow(/PIXELGYM_WASM_THREADS='two'/);
      process.env['PIXELGYM_WASM_THREADS'] = '3';
      expect(defaultWasmThreads()).toBe(3);
    } finally {
      if (saved === undefined) delete process.env['PIXELGYM_WASM_THREADS'];
      else process.env['PIXELGYM_WASM_THREADS'] = saved;
    }
  });

  let threaded: TrainRun | undefined;

  it('starts 2 XNNPACK threads on a shared memory and trains the same way twice', async () => {
    expect(await selectBackend('wasm', { wasmThreads: 2 })).toBe('wasm');
    expect(wasmThreads()).toBe(2);
    const memory = wasmMemoryOf(tf.backend() as unknown as WasmBackendLike);
    expect(isSharedMemory(memory!)).toBe(true);
    const before = tf.memory().numTensors;
    const a = trainSmallConvNet(6);
    const b = trainSmallConvNet(6);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.losses[5]!).toBeLessThan(a.losses[0]!); // it does learn
    expect(b.losses).toEqual(a.losses);
    a.weights.forEach((w, i) => expect(Array.from(b.weights[i]!)).toEqual(Array.from(w)));
    threaded = a;
  });

  it('splits the tiled filter gradient with the SIMD helper thread, bit-identically to one thread', async () => {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const memory = wasmMemoryOf(backend);
    simdHelper(memory); // starts it
    const t0 = Date.now();
    while (!simdHelper(memory) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    const helper = simdHelper(memory);
    expect(helper).not.toBeNull();
    const xs: [number, number, number, number] = [8, 36, 36, 4];
    const ws: [number, number, number, number] = [8, 8, 4, 32];
    const attrs = { strides: 4, pad: 'valid' as const };
    const x = tf.tensor4d(values(8 * 36 * 36 * 4, 21, 1), xs);
    const dy = tf.tensor4d(values(8 * 8 * 8 * 32, 22, 1), [8, 8, 8, 32]);
    const read = (method: 'tiles' | 'conv'): number[] => {
      const t = tf.engine().makeTensorFromTensorInfo(conv2dFilterGrad(backend, x, dy, ws, attrs, method));
      const v = Array.from(t.dataSync());
      t.dispose();
      return v;
    };
    const before = helper!.jobsRun;
    const first = read('tiles');
    // the helper takes chunks when it gets a core: under a loaded machine, give it more chances
    for (let i = 0; i < 40 || (helper!.jobsRun === before && i < 400); i++) expect(read('tiles')).toEqual(first);
    expect(helper!.jobsRun).toBeGreaterThan(before); // the helper did take parts
    const reference = read('conv');
    let err = 0;
    first.forEach((v, i) => (err = Math.max(err, Math.abs(v - reference[i]!))));
    expect(err).toBeLessThan(1e-3);
    tf.dispose([x, dy]);
  });

  it('splits the tiled conv, its input gradient and a dense input gradient with the helper, the same every time', async () => {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const helper = simdHelper(wasmMemoryOf(backend));
    expect(helper).not.toBeNull(); // ready since the test above
    const x = tf.tensor4d(values(8 * 36 * 36 * 4, 41, 1), [8, 36, 36, 4]);
    const w = tf.tensor4d(values(8 * 8 * 4 * 32, 42, 0.1), [8, 8, 4, 32]);
    const dy = tf.tensor4d(values(8 * 8 * 8 * 32, 43, 1), [8, 8, 8, 32]);
    const w16 = tf.tensor4d(values(8 * 8 * 16 * 32, 44, 0.1), [8, 8, 16, 32]);
    const a = tf.tensor2d(values(16 * 512, 45, 1), [16, 512]);
    const b = tf.tensor2d(values(784 * 512, 46, 0.1), [784, 512]);
    const bT = tf.tensor2d(values(512 * 768, 47, 0.1), [512, 768]);
    const a2 = tf.tensor2d(values(16 * 256, 48, 1), [16, 256]);
    const attrs = { strides: [4, 4], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
    const read = (info: tf.TensorInfo): number[] => {
      const t = tf.engine().makeTensorFromTensorInfo(info);
      const v = Array.from(t.dataSync());
      t.dispose();
      return v;
    };
    const runs: Array<[string, () => tf.TensorInfo, () => tf.TensorInfo]> = [
      ['conv', () => convViaDepth(backend, 'Conv2D', { x, filter: w }, attrs, 'tiles')!, () => convViaDepth(backend, 'Conv2D', { x, filter: w }, attrs, 'depth')!],
      [
        'input gradient',
        () => conv2dInputGrad(backend, dy, w16, [8, 36, 36, 16], { strides: 4, pad: 'valid' }, 'tiles'),
        () => conv2dInputGrad(backend, dy, w16, [8, 36, 36, 16], { strides: 4, pad: 'valid' }, 'col2im'),
      ],
      ['dense input gradient', () => batchMatMul(backend, a, b, false, true), () => batchMatMul(backend, a, b, false, true, 'xnnpack')],
      ['dense weight gradient', () => batchMatMul(backend, a, a2, true, false), () => batchMatMul(backend, a, a2, true, false, 'xnnpack')],
      [
        'dense forward on strips',
        () => {
          const fresh = tf.tidy(() => tf.add(bT, 0)); // not seen before: the strips route
          const out = batchMatMul(backend, a, fresh, false, false);
          fresh.dispose();
          return out;
        },
        () => batchMatMul(backend, a, bT, false, false, 'xnnpack'),
      ],
    ];
    for (const [, tiled, other] of runs) {
      const before = helper!.jobsRun;
      const first = read(tiled());
      for (let i = 0; i < 20 || (helper!.jobsRun === before && i < 400); i++) expect(read(tiled())).toEqual(first);
      expect(helper!.jobsRun).toBeGreaterThan(before); // the helper did take parts
      const reference = read(other());
      let err = 0;
      first.forEach((v, i) => (err = Math.max(err, Math.abs(v - reference[i]!))));
      expect(err).toBeLessThan(1e-3);
    }
    tf.dispose([x, w, dy, w16, a, b, bT, a2]);
  });

  it('splits big Adam updates with the SIMD helper thread, bit-identically to a scalar reference', async () => {
    const helper = simdHelper(wasmMemoryOf(tf.backend() as unknown as WasmBackendLike));
    expect(helper).not.toBeNull(); // ready since the test above
    const n = 300_001; // odd: the last float goes through the JS tail
    const p0 = values(n, 31, 1);
    const grads = [values(n, 32, 1), values(n, 33, 1), values(n, 34, 1)];
    // tfjs's Adam order in float32 (see nets/kernels/fused.ts)
    const f = Math.fround;
    const p = Float32Array.from(p0);
    const m = new Float32Array(n);
    const v = new Float32Array(n);
    let acc1 = f(1);
    let acc2 = f(1);
    for (const g of grads) {
      acc1 = f(acc1 * f(0.9));
      acc2 = f(acc2 * f(0.999));
      const [d1, d2] = [f(1 - acc1), f(1 - acc2)];
      for (let i = 0; i < n; i++) {
        m[i] = f(f(m[i]! * f(0.9)) + f(g[i]! * f(1 - 0.9)));
        v[i] = f(f(v[i]! * f(0.999)) + f(f(g[i]! * g[i]!) * f(1 - 0.999)));
        p[i] = f(f(f(f(m[i]! / d1) / f(f(Math.sqrt(f(v[i]! / d2))) + f(1e-8))) * f(-0.01)) + p[i]!);
      }
    }
    // The helper takes chunks when it gets a core; on a loaded machine the caller may run them all,
    // so try a few times until it has taken part. Every try must match the reference.
    const before = helper!.jobsRun;
    for (let attempt = 0; attempt < 1 || (helper!.jobsRun === before && attempt < 30); attempt++) {
      const w = tf.tidy(() => tf.variable(tf.tensor1d(p0)));
      const optimizer = makeOptimizer({ type: 'adam', learningRate: 0.01 });
      try {
        for (const g of grads) {
          const gt = tf.tensor1d(g);
          optimizer.applyGradients({ [w.name]: gt });
          gt.dispose();
        }
        const got = w.dataSync();
        let mismatches = 0;
        for (let i = 0; i < n; i++) if (got[i] !== p[i]) mismatches++;
        expect(mismatches).toBe(0);
      } finally {
        optimizer.dispose();
        w.dispose();
      }
    }
    expect(helper!.jobsRun).toBeGreaterThan(before);
  });

  it('keeps the running thread count: asking another throws and changes nothing', async () => {
    await expect(selectBackend('wasm', { wasmThreads: 1 })).rejects.toThrow(/already runs 2 thread/);
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmThreads()).toBe(2);
    expect(await selectBackend('wasm', { wasmThreads: 2 })).toBe('wasm');
  });

  it('refuses to stop while tensors live on it', async () => {
    const t = tf.ones([3]);
    await expect(stopWasmBackend()).rejects.toThrow(/still live/);
    expect(wasmThreads()).toBe(2);
    expect(Array.from(t.dataSync())).toEqual([1, 1, 1]);
    t.dispose();
  });

  it('restarts single-threaded and trains bit-identically to the threaded build', async () => {
    expect(threaded).toBeDefined();
    await stopWasmBackend();
    expect(wasmThreads()).toBeNull();
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend('wasm', { wasmThreads: 1 })).toBe('wasm');
    expect(wasmThreads()).toBe(1);
    const memory = wasmMemoryOf(tf.backend() as unknown as WasmBackendLike);
    expect(isSharedMemory(memory!)).toBe(false);
    const single = trainSmallConvNet(6);
    expect(single.losses).toEqual(threaded!.losses);
    single.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(threaded!.weights[i]!)));
  });

  it('lets a process that used the threaded back end exit by itself', async () => {
    // dist/ is the suite's transpiled copy of the sources (test/globalSetup.ts).
    const script = `
      const { selectBackend, wasmThreads } = await import('./dist/nets/backend.js');
      const tf = await import('@tensorflow/tfjs');
      await selectBackend('wasm', { wasmThreads: 2 });
      const y = tf.conv2d(tf.ones([4, 36, 36, 4]), tf.ones([8, 8, 4, 16]), 4, 'valid').sum().dataSync()[0];
      // a filter gradient starts the SIMD helper thread, which must not keep the process alive either
      const g = tf.grad((w) => tf.conv2d(tf.ones([4, 36, 36, 4]), w, 4, 'valid').sum())(tf.ones([8, 8, 4, 16]));
      await new Promise((r) => setTimeout(r, 300));
      g.dataSync();
      console.log('threads', wasmThreads(), 'sum', y);`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 60_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
    });
    // 16 filters x 8x8 outputs x 4 images, each the sum of 8*8*4 ones.
    expect(out.trim()).toBe(`threads 2 sum ${16 * 64 * 4 * 256}`);
  });
});
