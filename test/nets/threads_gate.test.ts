// The thread gate (nets/wasmThreadGate.ts): finding tfjs's pool pointer in the threaded build, and
// the wrapped entry points lending the pool only to big convs and matrix products. The logic is
// checked on a fake module (recording the pool pointer each entry point sees); the real build on a
// started back end.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend, wasmThreads } from '../../nets/backend.js';
import { simdModuleBytes } from '../../nets/kernels/simd/module.js';
import { gateThreadpool, minThreadedMacs, threadpoolPointerAddress, type GatedModule } from '../../nets/wasmThreadGate.js';
import { wasmThreadsGated } from '../../nets/wasmThreaded.js';

const require = createRequire(import.meta.url);
const threadedWasm = (): Uint8Array =>
  readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm'));

const POOL = 0x5000; // a fake pool pointer
const SLOT = 64; // byte address of the fake pool pointer

/** A fake module whose four entry points record the pool pointer they saw. */
function fakeModule(pool: number): { module: GatedModule; seen: Record<string, number[]> } {
  const memory = { buffer: new ArrayBuffer(4096) };
  new Int32Array(memory.buffer)[SLOT >> 2] = pool;
  const seen: Record<string, number[]> = {};
  const asm: Record<string, unknown> = {};
  for (const name of ['Conv2D', 'FusedConv2D', 'BatchMatMul', '_FusedMatMul']) {
    seen[name] = [];
    asm[name] = () => seen[name]!.push(new Int32Array(memory.buffer)[SLOT >> 2]!);
  }
  return { module: { wasmMemory: memory, asm }, seen };
}

type Entry = (...args: number[]) => unknown;

describe('wasm thread gate', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it("finds the pool pointer in the threaded build's code, and nothing in a module without it", () => {
    const address = threadpoolPointerAddress(threadedWasm());
    expect(address).not.toBeNull();
    expect(address! % 4).toBe(0);
    expect(threadpoolPointerAddress(simdModuleBytes())).toBeNull();
  });

  it('lends the pool to big convs and matrix products only, and parks it again', () => {
    const { module, seen } = fakeModule(POOL);
    expect(gateThreadpool(module, SLOT)).toBe(true);
    const words = new Int32Array(module.wasmMemory.buffer);
    expect(words[SLOT >> 2]).toBe(0);
    // Conv2D(x, batch, inH, inW, filter, fh, fw, padT, padR, padB, padL, same, dh, dw, sh, sw, inC, outC, out):
    // Nature-CNN layer 1 at batch 32 (~105M MACs), then at batch 1 (~3.3M, below the threshold).
    const conv = (batch: number): number[] => [1, batch, 84, 84, 2, 8, 8, 0, 0, 0, 0, 0, 1, 1, 4, 4, 4, 32, 3];
    (module['_Conv2D'] as Entry)(...conv(32));
    (module['_Conv2D'] as Entry)(...conv(1));
    expect(seen['Conv2D']).toEqual([POOL, 0]);
    // FusedConv2D has the bias id at 7: the same geometry shifted by one.
    const fused = (batch: number): number[] => [1, batch, 84, 84, 2, 8, 8, 9, 0, 0, 0, 0, 0, 1, 1, 4, 4, 4, 32, 0, 0, 0, 3];
    (module['_FusedConv2D'] as Entry)(...fused(32));
    (module['_FusedConv2D'] as Entry)(...fused(1));
    expect(seen['FusedConv2D']).toEqual([POOL, 0]);
    // Shapes live in memory: a [1,32,3136] x [1,3136,512] product (51M MACs) and a [1,64,64] x [1,64,64] one.
    const shapeAt = (at: number, dims: number[]): number => (words.set(dims, at >> 2), at);
    const big = [1, shapeAt(256, [1, 32, 3136]), 3, 2, shapeAt(512, [1, 3136, 512]), 3, 0, 0, 3];
    const small = [1, shapeAt(768, [1, 64, 64]), 3, 2, shapeAt(1024, [1, 64, 64]), 3, 0, 0, 3];
    const bigTransposedB = [1, shapeAt(1280, [1, 32, 3136]), 3, 2, shapeAt(1536, [1, 512, 3136]), 3, 0, 1, 3];
    for (const name of ['BatchMatMul', '_FusedMatMul']) {
      for (const args of [big, small, bigTransposedB]) (module[`_${name}`] as Entry)(...args);
      expect(seen[name]).toEqual([POOL, 0, POOL]);
    }
    expect(words[SLOT >> 2]).toBe(0);
    expect(32 * 3136 * 512).toBeGreaterThan(minThreadedMacs);
    expect(64 * 64 * 64).toBeLessThan(minThreadedMacs);
  });

  it('changes nothing when there is no pool at the address', () => {
    const { module } = fakeModule(0);
    expect(gateThreadpool(module, SLOT)).toBe(false);
    expect(module['_Conv2D']).toBeUndefined();
  });

  it('gates the real threaded back end: the pool is parked between ops and results are right', async () => {
    await selectBackend('wasm', { wasmThreads: 2 });
    expect(wasmThreads()).toBe(2);
    expect(wasmThreadsGated()).toBe(true);
    const address = threadpoolPointerAddress(threadedWasm())!;
    const memory = (tf.backend() as unknown as { wasm: { wasmMemory: { buffer: ArrayBufferLike } } }).wasm.wasmMemory;
    const before = tf.memory().numTensors;
    // Big enough to be threaded: 16 x 64x64 outputs of a 4x4x8 filter into 64 channels (~34M MACs).
    const out = tf.tidy(() => {
      const x = tf.ones([16, 64, 64, 8]) as tf.Tensor4D;
      return tf.conv2d(x, tf.ones([4, 4, 8, 64]) as tf.Tensor4D, 1, 'same').dataSync() as Float32Array;
    });
    expect(new Int32Array(memory.buffer)[address >> 2]).toBe(0);
    // Each output sums the ones in its window; 'same' pads 1 before and 2 after, so windows at the
    // first row/col hold 3 rows/cols of the image, at the last 2, elsewhere 4 (times 8 channels).
    const at = (b: number, y: number, x: number, c: number): number => out[((b * 64 + y) * 64 + x) * 64 + c]!;
    expect(at(0, 0, 0, 0)).toBe(3 * 3 * 8);
    expect(at(7, 30, 31, 5)).toBe(4 * 4 * 8);
    expect(at(15, 63, 63, 63)).toBe(2 * 2 * 8);
    expect(at(3, 62, 0, 9)).toBe(3 * 3 * 8);
    expect(tf.memory().numTensors).toBe(before);
  });
});
