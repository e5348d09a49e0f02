// Train step of an mlp 4-64-64-2 at batch 64 (forward, backward, Adam; the step of nets-train.bench.ts:
// tf.variableGrads of an MSE loss, applyGradients, read the loss) on wasm and cpu, three ways:
// - stock: tf.layers.dense ×3 and tf.train.adam (on wasm with the back end's own kernels);
// - unfused: pixelgym before the fused stack: plain dense layers, our wasm kernels, the per-variable
//   fused Adam;
// - fused: mlp() with the dense-stack kernels and the one-kernel-for-all-variables Adam.
// Also a DQN update (CartPole preset, 4-128-128-2 Q-net, batch 64) with the agent's nets as built
// today (unfused) and with fuseDenseStacks applied to them, and env steps/s of DQN training.
//
// Variants alternate in blocks so load changes hit them alike (2 shared cores). Wall-clock and
// process CPU time, medians and minimums; the load average is recorded. Writes section 'mlpTrainStep'
// of bench/results/nets.json. `npm run build && node dist/bench/run.js nets-mlp`.
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import '../envs/index.js';
import { DqnAgent, dqnPresets } from '../agents/dqn.js';
import { singleEnvStep } from '../agents/common.js';
import { make } from '../envs/registry.js';
import { registerWasmKernels, selectBackend, unregisterWasmKernels } from '../nets/backend.js';
import { fuseDenseStacks, unfuseDenseStacks } from '../nets/kernels/dense_stack_model.js';
import { mlp } from '../nets/modules/mlp.js';
import { FusedAdamOptimizer } from '../nets/optim.js';
import { measure, round, summarize, writeResults } from './util.js';

type Variant = 'stock' | 'unfused' | 'fused';
const VARIANTS: Variant[] = ['stock', 'unfused', 'fused'];




interface Net {
  step: () => void;
  dispose: () => void;
}

function makeNet(variant: Variant, backend: string): Net {
  let model: tf.LayersModel;
  if (variant === 'stock') {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [4], units: 64, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 64, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 2 }));
    model = m;
  } else {
    model = mlp({ inputSize: 4, hiddenSizes: [64, 64], outputSize: 2, fused: variant === 'fused' && backend === 'cpu' ? true : variant === 'fused' ? 'wasm' : false });
  }
  const x = tf.randomUniform([64, 4], 0, 1, 'float32', 1);
  const y = tf.randomNormal([64, 2], 0, 1, 'float32', 2);
  const optimizer: tf.Optimizer = variant === 'stock' ? tf.train.adam(1e-4, 0.9, 0.999, 1e-8) : new FusedAdamOptimizer(1e-4, 0.9, 0.999, 1e-8, variant === 'fused');
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar);
    optimizer.applyGradients(grads);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  return {
    step,
    dispose: () => {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** Stock runs with the wasm back end's own kernels; ours with pixelgym's. */
function setKernels(variant: Variant, backend: string): void {
  if (backend !== 'wasm') return;
  if (variant === 'stock') unregisterWasmKernels();
  else registerWasmKernels();
}

async function kernelCalls(step: () => void): Promise<number> {
  const { kernels } = await tf.profile(step);
  return kernels.length;
}

async function timeVariants(backend: string, blocks: number, perBlock: number, warmup: number): Promise<Record<string, unknown>> {
  const nets = Object.fromEntries(VARIANTS.map((v) => [v, makeNet(v, backend)])) as Record<Variant, Net>;
  const wall: Record<Variant, number[]> = { stock: [], unfused: [], fused: [] };
  const cpu: Record<Variant, number[]> = { stock: [], unfused: [], fused: [] };
  const calls: Partial<Record<Variant, number>> = {};
  const leaked: Partial<Record<Variant, number>> = {};
  for (const v of VARIANTS) {
    setKernels(v, backend);
    for (let i = 0; i < warmup; i++) nets[v].step();
    calls[v] = await kernelCalls(nets[v].step);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) nets[v].step();
    leaked[v] = tf.memory().numTensors - before;
  }
  for (let b = 0; b < blocks; b++) {
    const order = b % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) {
      setKernels(v, backend);
      for (let i = 0; i < perBlock; i++) measure(nets[v].step, wall[v], cpu[v]);
    }
  }
  registerWasmKernels();
  const out: Record<string, unknown> = {};
  for (const v of VARIANTS) {
    const t = summarize(wall[v], cpu[v]);
    out[v] = { ...t, kernelCallsPerStep: calls[v], tensorsLeakedOver5Steps: leaked[v] };
    console.log(
      `${backend} mlp 4-64-64-2 b64 ${v.padEnd(8)} wall median ${t.wallMs.median.toFixed(3)} ms (min ${t.wallMs.min.toFixed(3)}), ` +
        `cpu median ${t.cpuMs.median.toFixed(3)} ms (min ${t.cpuMs.min.toFixed(3)}), ${calls[v]} kernels/step`,
    );
    nets[v].dispose();
  }
  return out;
}

interface DqnInternals {
  online: tf.LayersModel;
  target: tf.LayersModel;
}

/** DQN on CartPole (its preset): ms per update() and env steps/s of the training loop. */
function dqnRun(fused: boolean, envSteps: number, updates: number): Record<string, unknown> {
  const config = { ...dqnPresets['cartpole']!.config };
  const env = make('CartPole-v1');
  const agent = new DqnAgent({ observationSpace: env.observationSpace, actionSpace: env.actionSpace }, config, 0);
  // Agents fuse their nets (agents/networks.ts); the unfused variant puts the plain path back.
  const nets = agent as unknown as DqnInternals;
  for (const net of [nets.online, nets.target]) {
    if (fused) fuseDenseStacks(net, { backends: ['wasm'] });
    else unfuseDenseStacks(net);
  }
  let obs = env.reset({ seed: 0 }).observation;
  const learningStarts = config.learningStarts ?? 1000;
  let t0 = 0;
  for (let t = 1; t <= learningStarts + envSteps; t++) {
    if (t === learningStarts + 1) t0 = performance.now();
    const action = agent.trainAct([obs])[0]!;
    const r = env.step(action);
    agent.observe(singleEnvStep<unknown, number>(t, obs, action, r, r.observation));
    obs = r.terminated || r.truncated ? env.reset().observation : r.observation;
  }
  const loopSeconds = (performance.now() - t0) / 1000;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < updates; i++) measure(() => agent.update(), wall, cpu);
  agent.dispose();
  env.close();
  return { envStepsPerSecond: round(envSteps / loopSeconds, 0), envSteps, update: summarize(wall, cpu) };
}

export async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  const results: Record<string, unknown> = {};
  await selectBackend('wasm');
  results['wasm'] = await timeVariants('wasm', 20, 25, 40);
  await selectBackend('cpu');
  results['cpu'] = await timeVariants('cpu', 6, 10, 10);
  await selectBackend('wasm');
  registerWasmKernels();
  // DQN: alternate unfused / fused runs twice each.
  const dqn: Record<string, unknown[]> = { unfused: [], fused: [] };
  for (const fused of [false, true, false, true]) {
    const r = dqnRun(fused, 2000, 150);
    dqn[fused ? 'fused' : 'unfused']!.push(r);
    console.log(`wasm DQN CartPole (${fused ? 'fused' : 'unfused'}): ${JSON.stringify(r)}`);
  }
  results['dqnCartPoleWasm'] = {
    ...dqn,
    notes:
      'DqnAgent with the cartpole preset (4-128-128-2, batch 64, Adam, train every 4 env steps, fast acting); ' +
      'fused = its nets as agents/networks.ts builds them (fused on wasm); unfused = the same with unfuseDenseStacks. ' +
      'update = one agent.update() (target + online predict, gradient, Adam).',
  };
  results['loadAverage'] = { before: loadBefore.map((v) => round(v, 2)), after: os.loadavg().map((v) => round(v, 2)) };
  results['notes'] =
    'ms per train step: tf.variableGrads(MSE of model.apply(x)) + applyGradients + loss read back, batch 64. ' +
    'stock = tf.layers.dense + tf.train.adam (wasm: its own kernels); unfused = plain dense layers + pixelgym wasm kernels + ' +
    'per-variable fused Adam; fused = mlp() dense-stack kernels + one-kernel Adam (cpu: mlp({ fused: true })).';
  const path = writeResults('nets.json', 'mlpTrainStep', results);
  console.log(`\nload average before ${loadBefore.map((v) => v.toFixed(2)).join(' ')}, after ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`wrote ${path}`);
}
