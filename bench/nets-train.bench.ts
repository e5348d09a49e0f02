// Train-step cost (forward, backward, optimizer) per back end, for a Nature CNN at batch 32 x 84x84x4
// and an mlp 4-64-64-2 at batch 64, plus the op-by-op profile of the Nature-CNN step on wasm, with
// pixelgym's kernels and fused Adam ("pixelgym") and with the stock wasm kernels and tf.train.adam
// ("stock"; only the kernels wasm lacks stay ours, or it could not train at all).
//
// Timings are wall-clock and process CPU time (process.cpuUsage): on a shared machine the wall clock
// includes time spent waiting for a core, CPU time mostly does not. Medians and minimums are given;
// the load average is recorded next to them. Per-kernel figures are the minimum over several
// profiled steps. The cpu back end only runs the mlp (a Nature-CNN step there takes ~30 s): set
// PIXELGYM_BENCH_CPU_CNN=1 to time one.
//
// wasm runs twice: on PIXELGYM_WASM_THREADS threads if set, else min(2, cores) (the threaded SIMD
// build, XNNPACK over a pthread pool; everything above) and single-threaded (pixelgym variant only, section 'wasm1Thread'). With
// threads, a kernel's CPU time counts every thread, so compare wall times across thread counts.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import {
  defaultWasmThreads,
  registerWasmKernels,
  selectBackend,
  stopWasmBackend,
  unregisterWasmKernels,
  wasmThreads,
} from '../nets/backend.js';
import { fmaEnabled } from '../nets/kernels/simd/fma.js';
import { makeOptimizer } from '../nets/optim.js';
import { twoCoreScaling } from './twoCore.js';
import { hostNoise, measure, median, round, summarize, writeResults, type Timing } from './util.js';

type Variant = 'pixelgym' | 'stock';


interface KernelRow {
  kernel: string;
  inputShapes: string;
  calls: number;
  cpuMs: number;
  wallMs: number;
}


function natureCnn(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [84, 84, 4], filters: 32, kernelSize: 8, strides: 4, activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 4, strides: 2, activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, strides: 1, activation: 'relu' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 512, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 6 }));
  return m;
}

function mlp(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [4], units: 64, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  m.add(tf.layers.dense({ units: 2 }));
  return m;
}

interface Net {
  model: tf.LayersModel;
  x: tf.Tensor;
  y: tf.Tensor;
  optimizer: tf.Optimizer;
  step: () => void;
  dispose: () => void;
}

function makeNet(kind: 'natureCnn' | 'mlp', variant: Variant): Net {
  const model = kind === 'natureCnn' ? natureCnn() : mlp();
  const batch = kind === 'natureCnn' ? 32 : 64;
  const inShape = kind === 'natureCnn' ? [batch, 84, 84, 4] : [batch, 4];
  const x = tf.randomUniform(inShape, 0, 1, 'float32', 1);
  const y = tf.randomNormal([batch, kind === 'natureCnn' ? 6 : 2], 0, 1, 'float32', 2);
  const optimizer =
    variant === 'pixelgym'
      ? makeOptimizer({ type: 'adam', learningRate: 1e-4 })
      : tf.train.adam(1e-4, 0.9, 0.999, 1e-8);
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    optimizer.applyGradients(grads);
    value.dataSync(); // waits for the step on asynchronous back ends
    tf.dispose([value, ...Object.values(grads)]);
  };
  return {
    model,
    x,
    y,
    optimizer,
    step,
    dispose: () => {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}


function time(step: () => void, repeats: number, warmup: number): Timing {
  for (let i = 0; i < warmup; i++) step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) measure(step, wall, cpu);
  return summarize(wall, cpu);
}

/**
 * Both variants, alternating in blocks, so a change in machine load hits both alike (the machine
 * is shared; sequential runs drifted by tens of percent).
 */
function timeBoth(steps: Record<Variant, () => void>, blocks: number, perBlock: number, warmup: number): Record<Variant, Timing> {
  const variants: Variant[] = ['pixelgym', 'stock'];
  const wall: Record<Variant, number[]> = { pixelgym: [], stock: [] };
  const cpu: Record<Variant, number[]> = { pixelgym: [], stock: [] };
  for (const v of variants) {
    setVariant(v);
    for (let i = 0; i < warmup; i++) steps[v]();
  }
  for (let b = 0; b < blocks; b++) {
    for (const v of b % 2 === 0 ? variants : [...variants].reverse()) {
      setVariant(v);
      for (let i = 0; i < perBlock; i++) measure(steps[v], wall[v], cpu[v]);
    }
  }
  setVariant('pixelgym');
  return { pixelgym: summarize(wall.pixelgym, cpu.pixelgym), stock: summarize(wall.stock, cpu.stock) };
}

/** Per-kernel CPU and wall ms of one step, minimum over `repeats` profiled steps, biggest first. */
async function profile(step: () => void, repeats: number): Promise<{ rows: KernelRow[]; totalCpuMs: number }> {
  const backend = tf.backend() as unknown as { time(f: () => void): Promise<{ kernelMs: number }> };
  const original = backend.time.bind(backend);
  let walls: number[] = [];
  backend.time = async (f) => {
    const c = process.cpuUsage();
    const t = performance.now();
    f();
    walls.push(performance.now() - t);
    const d = process.cpuUsage(c);
    return { kernelMs: (d.user + d.system) / 1000 };
  };
  const best = new Map<string, KernelRow>();
  try {
    for (let r = 0; r < repeats; r++) {
      walls = [];
      const info = await tf.profile(step);
      const rows = new Map<string, KernelRow>();
      for (let i = 0; i < info.kernels.length; i++) {
        const k = info.kernels[i]!;
        const shapes = JSON.stringify(k.inputShapes);
        const key = `${k.name} ${shapes}`;
        const row = rows.get(key) ?? { kernel: k.name, inputShapes: shapes, calls: 0, cpuMs: 0, wallMs: 0 };
        row.calls++;
        row.cpuMs += Number(await k.kernelTimeMs);
        row.wallMs += walls.length === info.kernels.length ? walls[i]! : 0;
        rows.set(key, row);
      }
      for (const [key, row] of rows) {
        const b = best.get(key);
        if (!b) best.set(key, { ...row });
        else {
          b.cpuMs = Math.min(b.cpuMs, row.cpuMs);
          b.wallMs = Math.min(b.wallMs, row.wallMs);
        }
      }
    }
  } finally {
    backend.time = original;
  }
  const rows = [...best.values()]
    .map((r) => ({ ...r, cpuMs: round(r.cpuMs), wallMs: round(r.wallMs) }))
    .sort((a, b) => b.cpuMs - a.cpuMs);
  return { rows, totalCpuMs: round(rows.reduce((s, r) => s + r.cpuMs, 0), 1) };
}

/** Threads for the threaded run: PIXELGYM_WASM_THREADS if set, else min(2, cores) (the library default is 1). */
function benchWasmThreads(): number {
  return process.env['PIXELGYM_WASM_THREADS'] ? defaultWasmThreads() : Math.min(2, os.availableParallelism());
}

function setVariant(variant: Variant): void {
  if (variant === 'pixelgym') registerWasmKernels();
  else unregisterWasmKernels();
}

function print(label: string, t: Timing): void {
  console.log(
    `${label.padEnd(34)} wall median ${t.wallMs.median.toFixed(2)} ms (min ${t.wallMs.min.toFixed(2)}), ` +
      `cpu median ${t.cpuMs.median.toFixed(2)} ms (min ${t.cpuMs.min.toFixed(2)}), ${t.steps} steps`,
  );
}

function printProfile(label: string, p: { rows: KernelRow[]; totalCpuMs: number }, top = 20): void {
  console.log(`\n${label}: kernels sum to ${p.totalCpuMs} ms CPU (per-kernel minimum over profiled steps)`);
  for (const r of p.rows.slice(0, top)) {
    console.log(`  ${r.cpuMs.toFixed(2).padStart(8)} cpu ${r.wallMs.toFixed(2).padStart(8)} wall  x${r.calls}  ${r.kernel} ${r.inputShapes}`);
  }
}

/** Optimizer step alone over the Nature-CNN parameter shapes, on wasm. */
function optimizerOnly(variant: Variant): Timing {
  setVariant(variant);
  const shapes = [[8, 8, 4, 32], [32], [4, 4, 32, 64], [64], [3, 3, 64, 64], [64], [3136, 512], [512], [512, 6], [6]];
  const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.randomNormal(s, 0, 0.1, 'float32', 10 + i))));
  const grads: tf.NamedTensorMap = {};
  vars.forEach((v, i) => (grads[v.name] = tf.randomNormal(v.shape, 0, 0.01, 'float32', 20 + i)));
  const opt = variant === 'pixelgym' ? makeOptimizer({ type: 'adam', learningRate: 1e-4 }) : tf.train.adam(1e-4, 0.9, 0.999, 1e-8);
  const t = time(() => opt.applyGradients(grads), 15, 3);
  opt.dispose();
  tf.dispose([...vars, ...Object.values(grads)]);
  return t;
}

export async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  const results: Record<string, unknown> = {};
  const backends: Record<string, unknown> = {};

  // wasm: both variants, both nets, and the profiles, on the default thread count.
  const threads = benchWasmThreads();
  await stopWasmBackend();
  await selectBackend('wasm', { wasmThreads: threads });
  const wasm: Record<string, unknown> = { threads: wasmThreads() };
  const profiles: Record<string, unknown> = { threads: wasmThreads() };
  const cnn = { pixelgym: makeNet('natureCnn', 'pixelgym'), stock: makeNet('natureCnn', 'stock') };
  const noiseBefore = hostNoise();
  const cnnTimes = timeBoth({ pixelgym: cnn.pixelgym.step, stock: cnn.stock.step }, 8, 3, 2);
  // Back-to-back steps of ours alone, as a training loop runs them (above, every few steps a stock
  // step flushes the caches and the threads' state in between).
  setVariant('pixelgym');
  const consecutive = time(cnn.pixelgym.step, 60, 3);
  const noiseAfter = hostNoise();
  console.log(`host noise (median/min of a fixed loop) around the natureCnn timing: ${noiseBefore.medianOverMin} → ${noiseAfter.medianOverMin}`);
  const tensors = tf.memory().numTensors;
  cnn.pixelgym.step();
  const leaked = tf.memory().numTensors - tensors;
  for (const v of ['pixelgym', 'stock'] as const) print(`wasm x${threads} natureCnn b32 (${v})`, cnnTimes[v]);
  print(`wasm x${threads} natureCnn b32 (pixelgym, consecutive)`, consecutive);
  for (const v of ['pixelgym', 'stock'] as const) {
    setVariant(v);
    const prof = await profile(cnn[v].step, 5);
    profiles[v] = { totalCpuMs: prof.totalCpuMs, kernelCalls: prof.rows.reduce((n, r) => n + r.calls, 0), top: prof.rows.slice(0, 30) };
    printProfile(`wasm x${threads} natureCnn step profile (${v})`, prof);
    cnn[v].dispose();
  }
  const mlps = { pixelgym: makeNet('mlp', 'pixelgym'), stock: makeNet('mlp', 'stock') };
  const mlpTimes = timeBoth({ pixelgym: mlps.pixelgym.step, stock: mlps.stock.step }, 20, 25, 30);
  for (const v of ['pixelgym', 'stock'] as const) print(`wasm x${threads} mlp 4-64-64-2 b64 (${v})`, mlpTimes[v]);
  mlps.pixelgym.dispose();
  mlps.stock.dispose();
  setVariant('pixelgym');
  for (const v of ['pixelgym', 'stock'] as const) {
    wasm[v] = { natureCnnBatch32: cnnTimes[v], mlpBatch64: mlpTimes[v] };
  }
  (wasm['pixelgym'] as Record<string, unknown>)['natureCnnBatch32Consecutive'] = consecutive;
  wasm['tensorsLeakedPerCnnStep'] = leaked;
  wasm['adamOnlyNatureCnnParams'] = { pixelgym: optimizerOnly('pixelgym'), stock: optimizerOnly('stock') };
  setVariant('pixelgym');
  backends['wasm'] = wasm;

  // wasm single-threaded (the plain SIMD build), pixelgym variant: what the threads bought.
  if (threads > 1) {
    await stopWasmBackend();
    await selectBackend('wasm', { wasmThreads: 1 });
    const net = makeNet('natureCnn', 'pixelgym');
    const cnn1 = time(net.step, 24, 2);
    print('wasm x1 natureCnn b32 (pixelgym)', cnn1);
    const prof = await profile(net.step, 5);
    profiles['pixelgym1Thread'] = { totalCpuMs: prof.totalCpuMs, kernelCalls: prof.rows.reduce((n, r) => n + r.calls, 0), top: prof.rows.slice(0, 30) };
    printProfile('wasm x1 natureCnn step profile (pixelgym)', prof);
    net.dispose();
    const small = makeNet('mlp', 'pixelgym');
    const mlp1 = time(small.step, 500, 30);
    print('wasm x1 mlp 4-64-64-2 b64 (pixelgym)', mlp1);
    small.dispose();
    backends['wasm1Thread'] = { threads: wasmThreads(), pixelgym: { natureCnnBatch32: cnn1, mlpBatch64: mlp1 } };
    await stopWasmBackend();
    // The most two threads could give: the one-thread step over the measured two-core throughput ratio.
    const scaling = await twoCoreScaling();
    const perfectSplitMs = round(cnn1.wallMs.median / scaling.ratio);
    console.log(
      `two busy cores give x${scaling.ratio} one core's matmul throughput (pinned: ${scaling.pinned}); ` +
        `the one-thread natureCnn step split perfectly would take ${perfectSplitMs} ms`,
    );
    results['twoCoreScaling'] = { ...scaling, natureCnnOneThreadMedianMs: cnn1.wallMs.median, perfectSplitMs };
  }

  // cpu: the mlp; the Nature CNN only on request.
  await selectBackend('cpu');
  const cpuNet = makeNet('mlp', 'pixelgym');
  const cpuMlp = time(cpuNet.step, 100, 10);
  print('cpu mlp 4-64-64-2 b64', cpuMlp);
  cpuNet.dispose();
  let cpuCnn: Timing | string = 'skipped (~30 s a step); set PIXELGYM_BENCH_CPU_CNN=1';
  if (process.env['PIXELGYM_BENCH_CPU_CNN'] === '1') {
    const cnn = makeNet('natureCnn', 'pixelgym');
    cpuCnn = time(cnn.step, 1, 0);
    print('cpu natureCnn b32', cpuCnn);
    cnn.dispose();
  }
  backends['cpu'] = { mlpBatch64: cpuMlp, natureCnnBatch32: cpuCnn };

  // tensorflow (tfjs-node), when installed.
  try {
    await selectBackend('tensorflow');
    const tfNet = makeNet('mlp', 'pixelgym');
    const tfMlp = time(tfNet.step, 300, 30);
    tfNet.dispose();
    const cnn = makeNet('natureCnn', 'pixelgym');
    const tfCnn = time(cnn.step, 20, 3);
    cnn.dispose();
    backends['tensorflow'] = { mlpBatch64: tfMlp, natureCnnBatch32: tfCnn };
  } catch (err) {
    backends['tensorflow'] = `unavailable: ${(err as Error).message}`;
  }
  results['backends'] = backends;
  results['wasmFusedMultiplyAdd'] = fmaEnabled();
  results['natureCnnWasmProfile'] = profiles;
  results['hostNoiseAroundNatureCnnTiming'] = { before: noiseBefore, after: noiseAfter };
  results['loadAverage'] = { before: loadBefore.map((v) => round(v, 2)), after: os.loadavg().map((v) => round(v, 2)) };
  results['notes'] =
    'ms per train step (forward, backward, Adam) with tf.variableGrads + applyGradients. ' +
    'natureCnnBatch32 alternates blocks of 3 steps with the stock variant; natureCnnBatch32Consecutive is 60 steps of ours back to back. ' +
    'pixelgym = our wasm kernels (SIMD conv/dense tiles with fused multiply-adds where the runtime has relaxed SIMD, ' +
    'shared with a helper thread on the threaded build) + fused Adam; stock = wasm as shipped (plus the missing ' +
    'Conv2DBackpropFilter) + tf.train.adam. ' +
    'backends.wasm runs `threads` XNNPACK threads (threaded SIMD build); backends.wasm1Thread the single-threaded ' +
    'SIMD build. With threads, CPU ms count every thread: compare wall ms across thread counts. ' +
    'twoCoreScaling: throughput of two pinned threads over one on an L2-resident matmul; perfectSplitMs is ' +
    'the one-thread Nature-CNN step divided by it, the best any two-thread split of the step could do.';
  const path = writeResults('nets.json', 'train', results);
  console.log(`\nload average before ${loadBefore.map((v) => v.toFixed(2)).join(' ')}, after ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`wrote ${path}`);
}
