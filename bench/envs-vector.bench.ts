// AsyncVectorEnv (2 workers) against SyncVectorEnv on an env whose step burns ~50 µs of CPU, and
// the env steps/s of 8 CartPoles in a SyncVectorEnv. Workers import this module (compiled to
// dist/bench/) for its register() call below; main() only runs from the bench runner.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
// The barrel registers the built-in envs (CartPole-v1) too.
import {
  BaseEnv,
  Box,
  Discrete,
  makeVec,
  register,
  registeredIds,
  Rng,
  type BoxArray,
  type ResetOptions,
  type ResetResult,
  type StepResult,
  type VectorEnv,
} from '../envs/index.js';
import { median, writeResults } from './util.js';

const BUSY_ID = 'Bench/Busy-v0';
const TARGET_STEP_US = 50;
const NUM_ENVS = 8;
const NUM_WORKERS = 2;

/** Integer mixing the JIT cannot skip: the result feeds the observation. */
function burn(iters: number, seed: number): number {
  let x = seed | 0;
  for (let k = 0; k < iters; k++) x = (Math.imul(x, 1664525) + 1013904223) ^ (x >>> 13);
  return x;
}

/** A trivial random walk whose step costs `iters` rounds of `burn`. */
export class BusyEnv extends BaseEnv<BoxArray, number> {
  readonly observationSpace = new Box(-1, 1, [4], 'float32');
  readonly actionSpace = new Discrete(2);
  private readonly iters: number;
  private readonly obs = new Float32Array(4);
  private x = 0;

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    this.iters = typeof kwargs.iters === 'number' ? kwargs.iters : 10_000;
  }

  reset(opts?: ResetOptions): ResetResult<BoxArray> {
    this.reseed(opts);
    this.x = this.rng.uniform(-0.1, 0.1);
    return { observation: this.observe(0), info: {} };
  }

  step(action: number): StepResult<BoxArray> {
    const h = burn(this.iters, action + 1);
    this.x += (action === 1 ? 0.05 : -0.05) + 0.02 * this.rng.normal();
    const terminated = Math.abs(this.x) > 0.9;
    return { observation: this.observe(h), reward: 1, terminated, truncated: false, info: {} };
  }

  private observe(h: number): Float32Array {
    this.obs[0] = this.x;
    this.obs[3] = (h & 0xff) / 255;
    return this.obs;
  }
}

if (!registeredIds().includes(BUSY_ID)) register({ id: BUSY_ID, entryPoint: BusyEnv, maxEpisodeSteps: 500 });

/** `burn` iterations that take TARGET_STEP_US here (fastest of several tries: the CPU is shared). */
function calibrate(): number {
  const probe = 20_000;
  let best = Infinity;
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    burn(probe, r);
    best = Math.min(best, performance.now() - t0);
  }
  return Math.max(1, Math.round((probe * TARGET_STEP_US) / (best * 1000)));
}

/** Env steps per second over `steps` vector steps with fixed random actions. */
async function envStepsPerSec(vec: VectorEnv, steps: number): Promise<number> {
  const rng = new Rng(1);
  const actions = Array.from({ length: 64 }, () => Int32Array.from({ length: vec.numEnvs }, () => rng.int(2)));
  await vec.reset({ seed: 0 });
  for (let t = 0; t < 20; t++) await vec.step(actions[t % 64]!);
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) await vec.step(actions[t % 64]!);
  return (steps * vec.numEnvs) / ((performance.now() - t0) / 1000);
}

export async function main(): Promise<void> {
  const iters = calibrate();
  const stepUs = median(
    Array.from({ length: 7 }, () => {
      const t0 = performance.now();
      for (let k = 0; k < 200; k++) burn(iters, k);
      return ((performance.now() - t0) * 1000) / 200;
    }),
  );
  const load = os.loadavg()[0]!;
  console.log(`busy env: ${iters} iterations ≈ ${stepUs.toFixed(1)} µs a step; load average ${load.toFixed(2)} on ${os.cpus().length} cpus`);

  // Short alternating runs, compared pairwise: the CPU is shared, so load drifts between runs.
  const steps = 600;
  const rounds = 7;
  const sync = await makeVec(BUSY_ID, NUM_ENVS, { kwargs: { iters } });
  const vec = await makeVec(BUSY_ID, NUM_ENVS, {
    async: true,
    numWorkers: NUM_WORKERS,
    kwargs: { iters },
    imports: [fileURLToPath(import.meta.url)],
  });
  const syncRuns: number[] = [];
  const asyncRuns: number[] = [];
  const ratios: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      syncRuns.push(await envStepsPerSec(sync, steps));
      asyncRuns.push(await envStepsPerSec(vec, steps));
      ratios.push(asyncRuns[round]! / syncRuns[round]!);
    }
  } finally {
    sync.close();
    await vec.close();
  }
  const syncRate = median(syncRuns);
  const asyncRate = median(asyncRuns);
  const speedup = median(ratios);
  console.log(
    `${NUM_ENVS} busy envs: sync ${syncRate.toFixed(0)} env steps/s, async (${NUM_WORKERS} workers) ${asyncRate.toFixed(0)}; speed-up per round ${ratios.map((r) => r.toFixed(2)).join(' ')}, median ×${speedup.toFixed(2)}`,
  );

  let cartpole: Record<string, number> | null = null;
  if (registeredIds().includes('CartPole-v1')) {
    const rates: Record<string, number> = {};
    for (const copy of [true, false]) {
      const cp = await makeVec('CartPole-v1', 8, { copy });
      const runs: number[] = [];
      for (let round = 0; round < 3; round++) runs.push(await envStepsPerSec(cp, 20_000));
      cp.close();
      rates[copy ? 'envStepsPerSec' : 'envStepsPerSecNoCopy'] = Math.round(median(runs));
    }
    cartpole = rates;
    console.log(`8 CartPoles, SyncVectorEnv: ${rates.envStepsPerSec} env steps/s (copy: false ${rates.envStepsPerSecNoCopy})`);
  }

  const path = writeResults('envs.json', 'vector', {
    busyEnv: { iters, stepMicros: Number(stepUs.toFixed(2)) },
    numEnvs: NUM_ENVS,
    numWorkers: NUM_WORKERS,
    syncEnvStepsPerSec: Math.round(syncRate),
    asyncEnvStepsPerSec: Math.round(asyncRate),
    speedup: Number(speedup.toFixed(3)),
    speedupTarget: 1.6,
    speedupPerRound: ratios.map((r) => Number(r.toFixed(3))),
    runs: { sync: syncRuns.map(Math.round), async: asyncRuns.map(Math.round) },
    cartpole8Sync: cartpole,
    loadAverage1m: Number(load.toFixed(2)),
    note: 'CPU shared with other jobs (load average at start recorded); speedup is the median of per-round async/sync ratios',
  });
  console.log(`wrote ${path}`);
}
