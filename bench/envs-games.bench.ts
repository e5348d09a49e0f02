// Pixel games throughput: env steps/s with channel (or grid/state) observations and with 84 × 84
// rgb observations, on the raw env and through make()'s wrappers. Targets on one core: ≥ 200k
// channel steps/s, ≥ 20k rgb frames/s.
import { make, Rng, type Discrete, type Env } from '../envs/index.js';
import { median, writeResults } from './util.js';

interface Case {
  id: string;
  /** kwargs of the cheap observation (MinAtar channels, Catch grid, Pong state). */
  cheap: Record<string, unknown>;
}

const CASES: Case[] = [
  { id: 'MinAtar/Breakout-v1', cheap: { obsType: 'channels' } },
  { id: 'MinAtar/Freeway-v1', cheap: { obsType: 'channels' } },
  { id: 'MinAtar/Asterix-v1', cheap: { obsType: 'channels' } },
  { id: 'MinAtar/Seaquest-v1', cheap: { obsType: 'channels' } },
  { id: 'MinAtar/SpaceInvaders-v1', cheap: { obsType: 'channels' } },
  { id: 'Catch-v0', cheap: { obsType: 'grid' } },
  { id: 'Pong-v0', cheap: { obsType: 'state' } },
];

const REPEATS = 3;

/**
 * Steps per second of this process's CPU time (user + system) over `steps` steps of seeded
 * random actions, resetting at episode ends. CPU time rather than wall time because the cores
 * are shared: wall time would mostly measure the other jobs.
 */
function stepsPerSecond(env: Env<unknown, number>, steps: number): number {
  const n = (env.actionSpace as Discrete).n;
  const rng = new Rng(7);
  const actions = new Int32Array(4096);
  for (let i = 0; i < actions.length; i++) actions[i] = rng.int(n);
  env.reset({ seed: 0 });
  const t0 = process.cpuUsage();
  for (let t = 0; t < steps; t++) {
    const r = env.step(actions[t & 4095]!);
    if (r.terminated || r.truncated) env.reset();
  }
  return steps / cpuSecondsSince(t0);
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

function measure(id: string, kwargs: Record<string, unknown>, steps: number, raw: boolean): number {
  const made = make<unknown, number>(id, kwargs);
  const env = raw ? (made.unwrapped as Env<unknown, number>) : made;
  stepsPerSecond(env, Math.min(steps, 20_000)); // warm-up: let the JIT settle
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(stepsPerSecond(env, steps));
  return Math.round(median(runs));
}

/** render() frames/s at 84 × 84 (a fresh frame each call) after random play to a mid-game state. */
function renderFps(id: string, frames: number): number {
  const env = make<unknown, number>(id);
  env.reset({ seed: 0 });
  for (let t = 0; t < 5; t++) env.step(0);
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = process.cpuUsage();
    for (let f = 0; f < frames; f++) env.render();
    runs.push(frames / cpuSecondsSince(t0));
  }
  return Math.round(median(runs));
}

export async function main(): Promise<void> {
  const results: Record<string, Record<string, number>> = {};
  for (const c of CASES) {
    const row = {
      cheapStepsPerSecRaw: measure(c.id, c.cheap, 300_000, true),
      cheapStepsPerSecMake: measure(c.id, c.cheap, 300_000, false),
      rgb84StepsPerSecRaw: measure(c.id, { obsType: 'rgb' }, 40_000, true),
      rgb84StepsPerSecMake: measure(c.id, { obsType: 'rgb' }, 40_000, false),
      render84FramesPerSec: renderFps(c.id, 20_000),
    };
    results[c.id] = row;
    console.log(c.id.padEnd(26), Object.entries(row).map(([k, v]) => `${k}=${v}`).join('  '));
  }
  const path = writeResults('envs.json', 'games', {
    note:
      'steps/s of process CPU time (user + system, so GC threads count too) with seeded random actions (resets included), median of 3. "cheap" = MinAtar channels / Catch grid / Pong state; ' +
      '"rgb84" = 84×84×3 observations rasterized from the scene each step; Raw = env.unwrapped, Make = through TimeLimit + EnvGuard. ' +
      'Targets on one core: ≥ 200k channel steps/s, ≥ 20k rgb frames/s. The 2 cores are shared with other jobs.',
    results,
  });
  console.log(`wrote ${path}`);
}
