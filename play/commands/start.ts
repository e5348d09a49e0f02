import { join, resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { lastValueFrom, map, tap, toArray } from 'rxjs';
import type { Env } from '../../envs/core.js';
import { make, registeredIds } from '../../envs/registry.js';
import type { Frame } from '../../envs/render/scene.js';
import { episodes } from '../../envs/streams/operators.js';
import { randomPolicy } from '../../envs/streams/policy.js';
import { sharedRollout$ } from '../../envs/streams/rollout.js';
import { writeFileAtomic } from '../../envs/atomicWrite.js';
import { encodeGif, resizeNearest } from '../../envs/wrappers/gif.js';

export interface StartOptions {
  steps: number;
  seed: number;
  /** Folder for the GIF. */
  out: string;
}

export interface StartSummary {
  envId: string;
  steps: number;
  /** Finished episodes and their returns. */
  episodes: number;
  returns: number[];
  meanReturn: number | null;
  gifPath: string;
  gifSize: { width: number; height: number; frames: number };
  seconds: number;
}

/** A pixel env to show off: MinAtar Breakout as RGB frames when it is registered, else CartPole. */
function pickEnv(): { id: string; env: Env } {
  if (registeredIds().includes('MinAtar/Breakout-v1')) return { id: 'MinAtar/Breakout-v1', env: make('MinAtar/Breakout-v1', { obsType: 'rgb' }) };
  return { id: 'CartPole-v1', env: make('CartPole-v1') };
}

/** GIF frames between 160 and 400 pixels on the long side, by nearest-neighbour scaling. */
function gifFrameSize(frame: Frame): { width: number; height: number } {
  const side = Math.max(frame.width, frame.height);
  const factor = side < 160 ? Math.ceil(160 / side) : side > 400 ? 400 / side : 1;
  return { width: Math.max(1, Math.round(frame.width * factor)), height: Math.max(1, Math.round(frame.height * factor)) };
}

/** A seeded random agent for `steps` steps, recorded to an animated GIF; `onStep` sees each step's index. */
export async function runStart(opts: StartOptions, onStep: (globalStep: number) => void = () => {}): Promise<StartSummary> {
  if (!Number.isInteger(opts.steps) || opts.steps <= 0 || opts.steps > 100_000) throw new RangeError(`start: --steps must be an integer in 1..100000, got ${opts.steps}`);
  if (!Number.isInteger(opts.seed)) throw new TypeError(`start: --seed must be an integer, got ${opts.seed}`);
  const t0 = performance.now();
  const { id, env } = pickEnv();
  try {
    const steps$ = sharedRollout$(env, randomPolicy(env.actionSpace, opts.seed), { seed: opts.seed, maxSteps: opts.steps, render: true });
    const framesDone = lastValueFrom(
      steps$.pipe(
        tap((s) => onStep(s.globalStep)),
        map((s) => s.frame),
        toArray(),
      ),
    );
    const returnsDone = lastValueFrom(steps$.pipe(episodes(), map((e) => e.return), toArray()));
    const [rawFrames, returns] = await Promise.all([framesDone, returnsDone]);
    const first = rawFrames.find((f): f is Frame => f !== undefined);
    if (!first) throw new Error(`start: ${id} did not render any frame`);
    const size = gifFrameSize(first);
    const frames = rawFrames.filter((f): f is Frame => f !== undefined).map((f) => resizeNearest(f, size.width, size.height));
    const gifPath = resolve(join(opts.out, `${id.replace(/[^\w.-]+/g, '_')}-random.gif`));
    writeFileAtomic(gifPath, encodeGif(frames, { fps: env.metadata.renderFps || 30 }));
    return {
      envId: id,
      steps: rawFrames.length,
      episodes: returns.length,
      returns,
      meanReturn: returns.length ? returns.reduce((a, b) => a + b, 0) / returns.length : null,
      gifPath,
      gifSize: { ...size, frames: frames.length },
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    env.close();
  }
}

export function formatStartSummary(s: StartSummary): string {
  return [
    `env:          ${s.envId} (random agent)`,
    `steps:        ${s.steps}`,
    `episodes:     ${s.episodes} finished`,
    `mean return:  ${s.meanReturn === null ? 'n/a (no episode finished)' : s.meanReturn.toFixed(2)}`,
    `gif:          ${s.gifPath} (${s.gifSize.width}×${s.gifSize.height}, ${s.gifSize.frames} frames)`,
    `time:         ${s.seconds.toFixed(1)} s`,
  ].join('\n');
}

function intOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got '${v}'`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('start')
    .description('a seeded random agent on a pixel env, recorded to an animated GIF (what `npm start` runs)')
    .option('--steps <n>', 'environment steps', intOption('--steps'), 300)
    .option('--seed <n>', 'seed of the env and the agent', intOption('--seed'), 0)
    .option('--out <dir>', 'folder for the GIF', 'runs/start')
    .action(async (opts: StartOptions) => {
      const bar = new SingleBar({ format: 'random agent |{bar}| {value}/{total} steps', hideCursor: true }, Presets.shades_classic);
      bar.start(opts.steps, 0);
      let summary: StartSummary;
      try {
        summary = await runStart(opts, (step) => bar.update(step + 1));
      } finally {
        bar.stop();
      }
      process.stdout.write(`${formatStartSummary(summary)}\n`);
    });
}
