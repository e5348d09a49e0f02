// Single-observation inference of the 4-64-64-2 MLP (CartPole-sized Q-network): tfjs on the cpu and wasm
// back ends (predict, and the lighter model.apply) against the compiled forward pass of
// nets/fastForward.ts (WebAssembly SIMD, and its plain-JS fallback; target ≤ 5 µs). Writes bench/results/nets.json, section 'inference'.
// The machine is shared: figures are µs per call, median and best over blocks of calls, plus CPU µs
// of this process per call (less sensitive to other processes taking the cores). wasm is timed on
// PIXELGYM_WASM_THREADS threads (else min(2, cores)) and single-threaded: a one-row MLP is far too small for XNNPACK to split, so
// threads should neither help nor hurt it.
import * as tf from '@tensorflow/tfjs';
import { defaultWasmThreads, selectBackend, stopWasmBackend, wasmThreads } from '../nets/backend.js';
import { compileDenseForward } from '../nets/fastForward.js';
import { mlp } from '../nets/modules/mlp.js';
import os from 'node:os';
import { median, writeResults } from './util.js';

interface Timing {
  medianUs: number;
  bestUs: number;
  cpuUs: number;
  calls: number;
}

/** Times `blocks` blocks of `perBlock` calls of fn (after one warm-up block). */
function time(fn: (i: number) => void, perBlock: number, blocks: number): Timing {
  for (let i = 0; i < perBlock; i++) fn(i);
  const perCall: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    for (let i = 0; i < perBlock; i++) fn(i);
    perCall.push(((performance.now() - t0) * 1000) / perBlock);
  }
  const cpu = process.cpuUsage(cpu0);
  const calls = perBlock * blocks;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { medianUs: r(median(perCall)), bestUs: r(Math.min(...perCall)), cpuUs: r((cpu.user + cpu.system) / calls), calls };
}

/** Threads for the threaded run: PIXELGYM_WASM_THREADS if set, else min(2, cores) (the library default is 1). */
function benchWasmThreads(): number {
  return process.env['PIXELGYM_WASM_THREADS'] ? defaultWasmThreads() : Math.min(2, os.availableParallelism());
}

/** 64 seeded observations to cycle through. */
function observations(): Float32Array[] {
  return tf.tidy(() => {
    const all = tf.randomNormal([64, 4], 0, 1, 'float32', 7).dataSync();
    return Array.from({ length: 64 }, (_, i) => all.slice(i * 4, i * 4 + 4) as Float32Array);
  });
}

function tfjsTimings(model: tf.LayersModel, obs: Float32Array[]): { predict: Timing; apply: Timing } {
  let sink = 0;
  const predict = time(
    (i) => {
      sink += tf.tidy(() => (model.predict(tf.tensor2d(obs[i & 63]!, [1, 4])) as tf.Tensor).dataSync()[0]!);
    },
    200,
    15,
  );
  const apply = time(
    (i) => {
      sink += tf.tidy(() => (model.apply(tf.tensor2d(obs[i & 63]!, [1, 4])) as tf.Tensor).dataSync()[0]!);
    },
    200,
    15,
  );
  if (!Number.isFinite(sink)) throw new Error('non-finite output');
  return { predict, apply };
}

export async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  await selectBackend('cpu');
  const model = mlp({ inputSize: 4, hiddenSizes: [64, 64], outputSize: 2, seed: 0 });
  const obs = observations();

  const out = new Float32Array(2);
  let sink = 0;
  const fastTimings = (simd: boolean) => {
    const fast = compileDenseForward(model, { simd });
    if (fast.simd !== simd) throw new Error(`fast path: asked simd=${simd}, got ${fast.simd}`);
    const forward = time(
      (i) => {
        fast.forward(obs[i & 63]!, out);
        sink += out[0]!;
      },
      20_000,
      30,
    );
    return { forward, refresh: time(() => fast.refresh(), 200, 10) };
  };
  const fastSimd = fastTimings(true);
  const fastJs = fastTimings(false);
  if (!Number.isFinite(sink)) throw new Error('non-finite output');

  const cpu = tfjsTimings(model, obs);
  model.dispose();
  /** A fresh model (weights made on cpu, moved to wasm on first use) timed on `threads` wasm threads. */
  const onWasm = async (threads: number): Promise<{ threads: number | null; predict: Timing; apply: Timing } | { error: string }> => {
    const net = mlp({ inputSize: 4, hiddenSizes: [64, 64], outputSize: 2, seed: 0 });
    try {
      await stopWasmBackend();
      await selectBackend('wasm', { wasmThreads: threads });
      return { threads: wasmThreads(), ...tfjsTimings(net, obs) };
    } catch (err) {
      return { error: (err as Error).message };
    } finally {
      net.dispose();
      await selectBackend('cpu');
    }
  };
  const threads = benchWasmThreads();
  const wasm = await onWasm(threads);
  const wasm1Thread = threads > 1 ? await onWasm(1) : 'same as tfjsWasm (1 thread)';
  await stopWasmBackend();

  const data = {
    model: 'mlp 4-64-64-2 (relu), one observation per call',
    fastPath: fastSimd.forward,
    fastPathRefresh: fastSimd.refresh,
    fastPathJsLoops: fastJs.forward,
    tfjsCpu: cpu,
    tfjsWasm: wasm,
    tfjsWasm1Thread: wasm1Thread,
    targetFastPathUs: 5,
    loadAverage: { before: loadBefore.map((v) => Number(v.toFixed(2))), after: os.loadavg().map((v) => Number(v.toFixed(2))) },
  };
  const path = writeResults('nets.json', 'inference', data);
  console.log(JSON.stringify(data, null, 2));
  console.log(`wrote ${path}`);
}
