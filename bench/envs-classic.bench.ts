// Classic-control throughput: CartPole-v1 steps/s (raw env and through make()), render() frames/s
// for each classic env at its default size and at 84×84 (fresh frames and renderInto a reused
// buffer; each frame follows a step, which is included), and the rasterizer alone on a
// MinAtar-like 10×10 grid drawn into 84×84. Writes bench/results/envs.json, section 'classic'.
import '../envs/classic/register.js';
import { AcrobotEnv, CartPoleEnv, MountainCarContinuousEnv, MountainCarEnv, PendulumEnv } from '../envs/classic/index.js';
import type { BaseEnv, Env } from '../envs/core.js';
import { make } from '../envs/registry.js';
import { rasterize } from '../envs/render/rasterize.js';
import type { Scene, Shape } from '../envs/render/scene.js';
import { Rng } from '../envs/rng.js';
import os from 'node:os';
import { measure as timeOnce, median, writeResults } from './util.js';

const STEPS = 1_000_000;
const REPEATS = 3;

/** Random actions from a seeded Rng, resetting whenever an episode ends. */
function runSteps(env: Env<Float32Array, number>, steps: number): number {
  const rng = new Rng(0);
  env.reset({ seed: 0 });
  let episodes = 0;
  for (let t = 0; t < steps; t++) {
    const r = env.step(rng.nextUint32() & 1);
    if (r.terminated || r.truncated) {
      env.reset();
      episodes++;
    }
  }
  return episodes;
}

/**
 * Rate of `work` (which does `units` units) by wall clock and by this process's CPU time: the
 * machine is shared, so wall-clock rates drop when other engineers' jobs run; CPU-time rates
 * show what one core does while we actually have it. Medians of REPEATS runs after a warm-up.
 */
function measure(work: () => void, units: number): { perSec: number; perCpuSec: number; wallMs: number[] } {
  work();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEATS; i++) timeOnce(work, wall, cpu);
  return { perSec: Math.round(units / (median(wall) / 1000)), perCpuSec: Math.round(units / (median(cpu) / 1000)), wallMs: wall.map(Math.round) };
}

function stepsPerSecond(build: () => Env<Float32Array, number>): { perSec: number; perCpuSec: number; wallMs: number[] } {
  const env = build();
  return measure(() => runSteps(env, STEPS), STEPS);
}

/**
 * render() frames a second, stepping between frames so the picture changes. With `into`, renders
 * into one reused buffer (BaseEnv.renderInto) instead of a fresh frame each call.
 */
function framesPerSecond(env: Env, stepAction: () => unknown, frames: number, into?: Uint8Array): { perSec: number; perCpuSec: number } {
  env.reset({ seed: 0 });
  const base = env as unknown as BaseEnv<unknown, unknown>;
  const { perSec, perCpuSec } = measure(() => {
    for (let i = 0; i < frames; i++) {
      const r = env.step(stepAction());
      if (r.terminated || r.truncated) env.reset();
      if (into) base.renderInto(into);
      else env.render();
    }
  }, frames);
  return { perSec, perCpuSec };
}

function gridScene(rng: Rng): Scene {
  const shapes: Shape[] = [];
  for (let i = 0; i < 16; i++) shapes.push({ type: 'rect', x: rng.int(10), y: rng.int(10), w: 1, h: 1, color: 0x3366ff + i * 0x101 });
  return { width: 10, height: 10, background: 0x000000, shapes };
}

export async function main(): Promise<void> {
  const loadBefore = os.loadavg().map((v) => Math.round(v * 10) / 10);
  const raw = stepsPerSecond(() => new CartPoleEnv());
  console.log(`CartPole-v1 raw: ${raw.perSec.toLocaleString()} steps/s wall, ${raw.perCpuSec.toLocaleString()} per CPU-second (runs ${raw.wallMs.join(', ')} ms)`);
  const made = stepsPerSecond(() => make<Float32Array, number>('CartPole-v1'));
  console.log(`CartPole-v1 make(): ${made.perSec.toLocaleString()} steps/s wall, ${made.perCpuSec.toLocaleString()} per CPU-second (runs ${made.wallMs.join(', ')} ms)`);
  const noGuard = stepsPerSecond(() => make<Float32Array, number>('CartPole-v1', {}, { disableEnvChecker: true }));
  console.log(`CartPole-v1 make() without EnvGuard: ${noGuard.perSec.toLocaleString()} steps/s wall, ${noGuard.perCpuSec.toLocaleString()} per CPU-second`);

  const rng = new Rng(1);
  const discrete = (n: number) => () => rng.int(n);
  const continuous = (hi: number) => () => Float32Array.of(rng.uniform(-hi, hi));
  const envs: [string, (k: Record<string, unknown>) => Env, () => unknown][] = [
    ['CartPole-v1', (k) => new CartPoleEnv(k) as unknown as Env, discrete(2)],
    ['MountainCar-v0', (k) => new MountainCarEnv(k) as unknown as Env, discrete(3)],
    ['Acrobot-v1', (k) => new AcrobotEnv(k) as unknown as Env, discrete(3)],
    ['Pendulum-v1', (k) => new PendulumEnv(k) as unknown as Env, continuous(2)],
    ['MountainCarContinuous-v0', (k) => new MountainCarContinuousEnv(k) as unknown as Env, continuous(1)],
  ];
  const render: Record<string, unknown> = {};
  for (const [id, build, act] of envs) {
    const big = build({});
    big.reset({ seed: 0 });
    const f = big.render()!;
    const full = framesPerSecond(big, act, 300);
    const fullInto = framesPerSecond(big, act, 1000, new Uint8Array(f.data.length));
    const small = framesPerSecond(build({ renderWidth: 84, renderHeight: 84 }), act, 20000);
    const smallInto = framesPerSecond(build({ renderWidth: 84, renderHeight: 84 }), act, 20000, new Uint8Array(84 * 84 * 3));
    render[id] = { defaultSize: `${f.width}x${f.height}`, default: full, defaultRenderInto: fullInto, at84: small, at84RenderInto: smallInto };
    console.log(
      `${id} render(): ${full.perSec.toLocaleString()} frames/s wall (${full.perCpuSec.toLocaleString()}/CPU-s) at ${f.width}×${f.height} ` +
        `[renderInto ${fullInto.perSec.toLocaleString()} (${fullInto.perCpuSec.toLocaleString()}/CPU-s)]; ` +
        `${small.perSec.toLocaleString()} (${small.perCpuSec.toLocaleString()}/CPU-s) at 84×84 ` +
        `[renderInto ${smallInto.perSec.toLocaleString()} (${smallInto.perCpuSec.toLocaleString()}/CPU-s)]`,
    );
  }

  // The rasterizer alone, into a reused buffer: 16 grid cells on a 10×10 board at 84×84.
  const scenes = Array.from({ length: 64 }, () => gridScene(rng));
  const out = new Uint8Array(84 * 84 * 3);
  const FRAMES = 100_000;
  const grid = measure(() => {
    for (let i = 0; i < FRAMES; i++) rasterize(scenes[i & 63]!, 84, 84, out);
  }, FRAMES);
  console.log(`rasterize 10×10 grid (16 cells) → 84×84: ${grid.perSec.toLocaleString()} frames/s wall, ${grid.perCpuSec.toLocaleString()}/CPU-s`);

  const loadAfter = os.loadavg().map((v) => Math.round(v * 10) / 10);
  const path = writeResults('envs.json', 'classic', {
    note:
      'one process on a 2-core machine shared with other engineers (load average noted); medians of 3 runs after a warm-up. ' +
      'perSec is wall clock, perCpuSec divides by this process’s CPU time (closer to one dedicated core).',
    loadAverage: { before: loadBefore, after: loadAfter },
    mountainCarAt84Target: 20000,
    cartpoleV1: { steps: STEPS, raw, make: made, makeWithoutEnvGuard: noGuard },
    renderFramesPerSec: render,
    rasterizeGrid84: grid,
  });
  console.log(`wrote ${path}`);
}
