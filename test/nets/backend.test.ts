import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { currentBackend, selectBackend, wasmBinaryDir, type BackendName } from '../../nets/backend.js';

function nativeInstalled(): boolean {
  const require = createRequire(import.meta.url);
  for (const pkg of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

describe('selectBackend', () => {
  const saved = process.env['PIXELGYM_BACKEND'];
  afterEach(() => {
    if (saved === undefined) delete process.env['PIXELGYM_BACKEND'];
    else process.env['PIXELGYM_BACKEND'] = saved;
  });

  it('keeps cpu as tfjs implicit default so synchronous code never meets an uninitialized wasm', () => {
    // This file has not selected anything yet: the first op initializes the best sync back end.
    const t = tf.scalar(2).square();
    expect(t.dataSync()[0]).toBe(4);
    expect(currentBackend()).toBe('cpu');
    t.dispose();
  });

  it('selects cpu and computes on it', async () => {
    expect(await selectBackend('cpu')).toBe('cpu');
    expect(currentBackend()).toBe('cpu');
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
    expect(y).toBe(11);
  });

  it('selects wasm from the installed package, with our kernels, and is idempotent', async () => {
    expect(await selectBackend('wasm')).toBe('wasm');
    expect(await selectBackend('wasm')).toBe('wasm');
    expect(currentBackend()).toBe('wasm');
    expect(existsSync(`${wasmBinaryDir()}tfjs-backend-wasm-simd.wasm`)).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    // A conv gradient needs that kernel; before pixelgym, wasm threw "not registered".
    const g = tf.tidy(() => {
      const x = tf.ones([1, 5, 5, 1]);
      return tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')))(tf.ones([3, 3, 1, 1])).dataSync();
    });
    expect(Array.from(g)).toEqual(new Array(9).fill(9));
    // Switching back and forth works.
    expect(await selectBackend('cpu')).toBe('cpu');
    expect(await selectBackend('wasm')).toBe('wasm');
  });

  it("rejects 'tensorflow' here with what to install and why it fails offline", async () => {
    if (nativeInstalled()) return; // tfjs-node present: nothing to reject (not the case on this machine)
    const err = await selectBackend('tensorflow').then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain('@tensorflow/tfjs-node');
    expect(err!.message).toContain('@tensorflow/tfjs-node-gpu');
    expect(err!.message).toContain('npm install @tensorflow/tfjs-node');
    expect(err!.message).toContain('libtensorflow');
    expect(currentBackend()).not.toBe('tensorflow');
  });

  it("'auto' falls through to wasm when no native TensorFlow is installed", async () => {
    const got = await selectBackend('auto');
    expect(got).toBe(nativeInstalled() ? 'tensorflow' : 'wasm');
  });

  it('rejects an unknown name', async () => {
    await expect(selectBackend('gpu' as BackendName)).rejects.toThrow(/unknown back end 'gpu'/);
  });

  it('defaults to PIXELGYM_BACKEND, and rejects a bad value there', async () => {
    process.env['PIXELGYM_BACKEND'] = 'cpu';
    expect(await selectBackend()).toBe('cpu');
    process.env['PIXELGYM_BACKEND'] = 'wasm';
    expect(await selectBackend()).toBe('wasm');
    process.env['PIXELGYM_BACKEND'] = 'webgpu';
    await expect(selectBackend()).rejects.toThrow(/PIXELGYM_BACKEND='webgpu'/);
  });
});
