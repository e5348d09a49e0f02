// Agents benchmark: wall-clock seconds and env steps to solve CartPole-v1 (the first evaluation with
// mean return ≥ 475, greedy, 10 episodes) for DQN, REINFORCE with a baseline and A2C with their
// cartpole presets, median of 3 seeds; and DQN training throughput with the Nature CNN on 84×84×4
// frames (MinAtar Breakout rendered as RGB, grayscaled, 4 stacked), a train step every 4 env steps
// at batch 32. Writes bench/results/agents.json.
//
// `npm run bench agents`, or `node dist/bench/run.js agents` after a build. AGENTS_BENCH_SEEDS and
// AGENTS_BENCH_ALGOS (comma lists) narrow it down.
import * as tf from '@tensorflow/tfjs';
import '../envs/index.js';
import { DqnAgent, dqnPresets } from '../agents/dqn.js';
import { applyPreprocess } from '../agents/preprocess.js';
import { train } from '../agents/train.js';
import { singleEnvStep } from '../agents/common.js';
import { make } from '../envs/registry.js';
import { selectBackend } from '../nets/backend.js';
import { median, writeResults } from './util.js';

const EVAL_EVERY = 2500;

interface SolveRun {
  seed: number;
  solved: boolean;
  stepsToSolve: number | null;
  wallSeconds: number;
  steps: number;
}

async function solveCartPole(algo: string, seed: number): Promise<SolveRun> {
  const r = await train({ algo, env: 'CartPole-v1', preset: 'cartpole', seed, backend: 'wasm', evalEvery: EVAL_EVERY, stopAtReturn: 475 });
  r.agent.dispose?.();
  return { seed, solved: r.solvedAtStep !== null, stepsToSolve: r.solvedAtStep, wallSeconds: r.wallSeconds, steps: r.steps };
}

async function dqnThroughput(measureSteps: number): Promise<Record<string, unknown>> {
  // ε held at the Nature schedule's final 0.1, so most steps act through the network (steady state).
  const config = {
    ...dqnPresets['nature']!.config,
    bufferSize: 20_000,
    learningStarts: 500,
    epsilonStart: 0.1,
    epsilonEnd: 0.1,
    preprocess: { ...dqnPresets['nature']!.config.preprocess!, frameSkip: 1 },
  };
  const env = applyPreprocess(make('MinAtar/Breakout-v1', { obsType: 'rgb' }), config.preprocess);
  const agent = new DqnAgent({ observationSpace: env.observationSpace, actionSpace: env.actionSpace }, config, 0);
  let obs = env.reset({ seed: 0 }).observation as Uint8Array;
  let actMs = 0;
  let stepMs = 0;
  let learnMs = 0;
  let measuredUpdates = 0;
  let t0 = 0;
  const total = config.learningStarts + measureSteps;
  for (let t = 1; t <= total; t++) {
    const measuring = t > config.learningStarts;
    if (t === config.learningStarts + 1) t0 = performance.now();
    let a = performance.now();
    const action = agent.trainAct([obs])[0]!;
    let b = performance.now();
    if (measuring) actMs += b - a;
    a = b;
    const r = env.step(action);
    const next = (r.observation as Uint8Array).slice();
    b = performance.now();
    if (measuring) stepMs += b - a;
    a = b;
    const step = singleEnvStep<unknown, number>(t, obs, action, r, next);
    const before = agent.updates;
    agent.observe(step);
    if (measuring) {
      learnMs += performance.now() - a;
      measuredUpdates += agent.updates - before;
    }
    obs = r.terminated || r.truncated ? (env.reset().observation as Uint8Array).slice() : next;
  }
  const seconds = (performance.now() - t0) / 1000;
  const tensors = tf.memory().numTensors;
  agent.dispose();
  return {
    env: 'MinAtar/Breakout-v1 (obsType rgb → grayscale, 84×84, 4 stacked; no frame skip)',
    network: 'natureCnn (1.69M parameters)',
    optimizer: 'centred RMSProp (Nature)',
    batchSize: config.batchSize,
    trainFrequency: config.trainFrequency,
    measuredEnvSteps: measureSteps,
    measuredUpdates,
    envStepsPerSecond: Math.round((measureSteps / seconds) * 10) / 10,
    epsilon: 0.1,
    msPerAct: Math.round((actMs / measureSteps) * 100) / 100,
    msPerEnvStep: Math.round((stepMs / measureSteps) * 100) / 100,
    msPerTrainStep: Math.round((learnMs / Math.max(1, measuredUpdates)) * 10) / 10,
    tensorsAfter: tensors,
  };
}

export async function main(): Promise<void> {
  const backend = await selectBackend('wasm');
  const seeds = (process.env['AGENTS_BENCH_SEEDS'] ?? '0,1,2').split(',').filter(Boolean).map(Number);
  const algos = (process.env['AGENTS_BENCH_ALGOS'] ?? 'dqn,reinforce,a2c').split(',').filter(Boolean);
  const results: Record<string, unknown> = { backend, evalEvery: EVAL_EVERY, criterion: 'first evaluation (10 greedy episodes) with mean return ≥ 475' };
  if (algos.length === 0) console.log('CartPole runs skipped (AGENTS_BENCH_ALGOS is empty)');
  for (const algo of algos) {
    const runs: SolveRun[] = [];
    for (const seed of seeds) {
      const r = await solveCartPole(algo, seed);
      console.log(`${algo} seed ${seed}: ${r.solved ? `solved at ${r.stepsToSolve} steps` : `not solved in ${r.steps} steps`}, ${r.wallSeconds.toFixed(1)} s`);
      runs.push(r);
    }
    const solved = runs.filter((r) => r.solved);
    results[algo] = {
      runs,
      solvedSeeds: `${solved.length}/${runs.length}`,
      medianStepsToSolve: solved.length === runs.length ? median(runs.map((r) => r.stepsToSolve!)) : null,
      medianWallSeconds: median(runs.map((r) => r.wallSeconds)),
    };
    writeResults('agents.json', 'cartpole', results);
  }
  const measure = Number(process.env['AGENTS_BENCH_DQN_STEPS'] ?? 1000);
  const throughput = await dqnThroughput(measure);
  console.log(`DQN Nature CNN throughput: ${String(throughput['envStepsPerSecond'])} env steps/s, ${String(throughput['msPerTrainStep'])} ms per train step`);
  writeResults('agents.json', 'dqnThroughput', { backend, ...throughput });
}
