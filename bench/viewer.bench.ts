// The viewer's costs and rates:
//  1. frames a second the page actually draws for a stream of 84×84 frames (watch mode, the server
//     stepping as fast as the page acknowledges: lock-step with 1 frame in flight, pipelined with 2);
//  2. training steps a second with and without a viewer attached (a real TrainingRun: tabular
//     Q-learning on FrozenLake, the cheapest step there is, so the viewer's share is the largest);
//  3. a rollout$ loop on MinAtar Breakout (rgb, 84×84) feeding a replay buffer, with and without.
// Runs alternate (A, B, A, B, …) so that the shared machine's load hits both sides alike.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, filter, interval, map, tap } from 'rxjs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createRun } from '../agents/train.js';
import '../envs/index.js';
import { make } from '../envs/registry.js';
import { randomPolicy } from '../envs/streams/policy.js';
import { rollout$ } from '../envs/streams/rollout.js';
import type { RolloutStep } from '../envs/streams/types.js';
import { singleEnvStep } from '../agents/common.js';
import type { TrainStep } from '../agents/types.js';
import { attachViewer } from '../play/server/attach.js';
import { EnvStepper } from '../play/server/envStepper.js';
import { silentLogger } from '../play/server/logger.js';
import { startViewer, type ViewerHandle } from '../play/server/viewerServer.js';
import { ReplayBuffer } from '../replay/replayBuffer.js';
import { fillFrom } from '../replay/fillFrom.js';
import { median, writeResults } from './util.js';

const CHROMIUM = process.env.PIXELGYM_CHROMIUM ?? '/usr/bin/chromium';
const ROUNDS = 7;

interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

async function launch(): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'pixelgym-bench-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function framesDrawn(page: Page): Promise<number> {
  return page.evaluate(() => ((globalThis as unknown as { __pixelgym?: { framesDrawn: number } }).__pixelgym?.framesDrawn ?? 0));
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForFunction('(globalThis.__pixelgym?.framesDrawn ?? 0) >= 3', undefined, { timeout: 60_000 });
  return page;
}

/**
 * Frames drawn per second by a page for Catch's 84×84 rgb frames. A feeder offers a new step every
 * millisecond (stream mode, no rate cap): the page gets a frame as soon as it acknowledged the
 * previous `maxInFlight` ones, so this is the page's drawing rate, not the env's.
 */
async function drawRate(browser: Browser, maxInFlight: number, seconds: number): Promise<{ framesPerSecond: number; frames: number; seconds: number; meanDrawMs: number }> {
  const env = make<Uint8Array, number>('Catch-v0', { obsType: 'rgb' });
  const hot$ = new Subject<RolloutStep<Uint8Array, number>>();
  const viewer = await startViewer({ steps$: hot$, env, maxSendFps: Infinity, maxTimeShare: 1, flow: { maxInFlight }, logger: silentLogger });
  // About one step a millisecond: plenty of frames on offer, little CPU.
  const stepper = new EnvStepper(env, randomPolicy(env.actionSpace, 0), 0);
  const sub = interval(1)
    .pipe(
      map(() => stepper.next()?.step ?? null),
      filter((step): step is RolloutStep<Uint8Array, number> => step !== null),
    )
    .subscribe((step) => hot$.next(step));
  const page = await openPage(browser, viewer.url);
  const n0 = await framesDrawn(page);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const n1 = await framesDrawn(page);
  const dt = (performance.now() - t0) / 1000;
  const meanDrawMs = await page.evaluate(() => (globalThis as unknown as { __pixelgym: { meanDrawMs: number } }).__pixelgym.meanDrawMs);
  sub.unsubscribe();
  await page.close();
  await viewer.close();
  return { framesPerSecond: Math.round((n1 - n0) / dt), frames: n1 - n0, seconds: Math.round(dt * 100) / 100, meanDrawMs: Math.round(meanDrawMs * 100) / 100 };
}

/** Wall seconds and this process's CPU seconds (user + system) of `fn`. */
async function timed(fn: () => Promise<number>): Promise<{ steps: number; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const steps = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { steps, wall, cpu: (c.user + c.system) / 1e6 };
}

type Attach = 'none' | 'attached' | 'attached+page';

interface Rate {
  /** Steps per wall-clock second. */
  wall: number;
  /** Steps per CPU second of this process: less disturbed by other processes on a shared machine. */
  cpu: number;
}

/** Steps a second of a whole TrainingRun (Q-learning, FrozenLake), with the viewer as `mode` says. */
async function trainingRate(mode: Attach, steps: number, browser: Browser | null): Promise<Rate> {
  const run = await createRun({ algo: 'qlearning', env: 'FrozenLake-v1', totalSteps: steps, evalEvery: steps, evalEpisodes: 1, logEvery: 1000, seed: 0 });
  let viewer: ViewerHandle | null = null;
  let page: Page | null = null;
  if (mode !== 'none') viewer = await attachViewer(run, { logger: silentLogger });
  if (mode === 'attached+page' && browser && viewer) {
    page = await browser.context.newPage();
    await page.goto(viewer.url);
    await page.waitForFunction('globalThis.__pixelgym?.connected === true', undefined, { timeout: 60_000 });
  }
  const t = await timed(async () => (await run.start()).steps);
  await page?.close();
  await viewer?.close();
  return { wall: t.steps / t.wall, cpu: t.steps / t.cpu };
}

/** Steps a second of rollout$ on MinAtar Breakout (rgb 84×84) feeding a replay buffer, with the viewer as `mode` says. */
async function rolloutRate(mode: Attach, steps: number, browser: Browser | null): Promise<Rate> {
  const env = make<Uint8Array, number>('MinAtar/Breakout-v1', { obsType: 'rgb' });
  const buffer = new ReplayBuffer({ capacity: steps, observationShape: [84, 84, 3], observationDtype: 'uint8' });
  // The loop's steps are hot, as a trainer's are: the viewer only listens.
  const hot$ = new Subject<RolloutStep<Uint8Array, number>>();
  let viewer: ViewerHandle | null = null;
  let page: Page | null = null;
  if (mode !== 'none') viewer = await startViewer({ steps$: hot$, env, logger: silentLogger });
  if (mode === 'attached+page' && browser && viewer) {
    page = await browser.context.newPage();
    await page.goto(viewer.url);
    await page.waitForFunction('globalThis.__pixelgym?.connected === true', undefined, { timeout: 60_000 });
  }
  const t = await timed(
    () =>
      new Promise<number>((resolve, reject) => {
        const steps$ = rollout$(env, randomPolicy(env.actionSpace, 0), { seed: 0, maxSteps: steps }).pipe(tap((s) => hot$.next(s)));
        fillFrom(buffer, steps$, { onComplete: () => resolve(steps), onError: reject });
      }),
  );
  await page?.close();
  await viewer?.close();
  return { wall: t.steps / t.wall, cpu: t.steps / t.cpu };
}

const pct = (base: number, x: number): string => `${(((base - x) / base) * 100).toFixed(1)}%`;

/** Alternates the modes for ROUNDS rounds; medians of steps/s (wall and CPU) and each mode's slowdown against 'none'. */
async function compare(name: string, modes: Attach[], once: (mode: Attach) => Promise<Rate>): Promise<Record<string, unknown>> {
  const runs: Record<string, Rate[]> = {};
  await once('none'); // warm-up (JIT)
  for (let round = 0; round < ROUNDS; round++) {
    for (const m of modes) (runs[m] ??= []).push(await once(m));
  }
  const wall: Record<string, number> = {};
  const cpu: Record<string, number> = {};
  for (const m of modes) {
    wall[m] = Math.round(median(runs[m]!.map((r) => r.wall)));
    cpu[m] = Math.round(median(runs[m]!.map((r) => r.cpu)));
  }
  const slowWall: Record<string, string> = {};
  const slowCpu: Record<string, string> = {};
  for (const m of modes) {
    if (m === 'none') continue;
    slowWall[m] = pct(wall.none!, wall[m]!);
    slowCpu[m] = pct(cpu.none!, cpu[m]!);
  }
  console.log(`${name}: steps/s wall ${JSON.stringify(wall)} (slowdown ${JSON.stringify(slowWall)}); per CPU second ${JSON.stringify(cpu)} (slowdown ${JSON.stringify(slowCpu)})`);
  return {
    stepsPerWallSecondMedian: wall,
    slowdownWall: slowWall,
    stepsPerCpuSecondMedian: cpu,
    slowdownCpu: slowCpu,
    runs: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((r) => ({ wall: Math.round(r.wall), cpu: Math.round(r.cpu) }))])),
  };
}

/**
 * What an attached viewer adds to every step when no page is connected, in nanoseconds: a million
 * TrainSteps through a Subject with only a counting subscriber, then with attachViewer listening too.
 * (Whole-run timings on a shared 2-core machine vary by ±20 %; this isolates the viewer's part.)
 */
async function perStepCost(): Promise<{ bareNs: number; attachedNs: number; viewerNsPerStep: number }> {
  const n = 1_000_000;
  const step = singleEnvStep(1, new Float32Array(4), 0, { reward: 1, terminated: false, truncated: false }, new Float32Array(4));
  const once = async (attach: boolean): Promise<number> => {
    const steps$ = new Subject<TrainStep<Float32Array, number>>();
    let count = 0;
    const sub = steps$.subscribe(() => count++);
    const viewer = attach ? await attachViewer({ steps$ }, { logger: silentLogger }) : null;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      step.terminated[0] = i % 50 === 49 ? 1 : 0;
      steps$.next(step);
    }
    const ns = ((performance.now() - t0) * 1e6) / n;
    sub.unsubscribe();
    await viewer?.close();
    if (count !== n) throw new Error('lost steps');
    return ns;
  };
  const bare: number[] = [];
  const attached: number[] = [];
  await once(false);
  await once(true);
  for (let r = 0; r < 7; r++) {
    bare.push(await once(false));
    attached.push(await once(true));
  }
  const b = median(bare);
  const a = median(attached);
  return { bareNs: Math.round(b), attachedNs: Math.round(a), viewerNsPerStep: Math.round(a - b) };
}

export async function main(): Promise<void> {
  const browser = await launch();
  try {
    const draw: Record<string, unknown> = {};
    if (browser) {
      draw.lockStep = await drawRate(browser, 1, 5);
      draw.pipelined2 = await drawRate(browser, 2, 5);
      console.log(`page draws 84×84 frames: lock-step ${JSON.stringify(draw.lockStep)}, 2 in flight ${JSON.stringify(draw.pipelined2)}`);
    } else {
      draw.skipped = `no chromium at ${CHROMIUM}`;
    }
    const perStep = await perStepCost();
    console.log(`per step, no page: ${JSON.stringify(perStep)}`);
    const modes: Attach[] = browser ? ['none', 'attached', 'attached+page'] : ['none', 'attached'];
    const training = await compare('TrainingRun qlearning FrozenLake-v1 (60k steps)', modes, (m) => trainingRate(m, 60_000, browser));
    const rollout = await compare('rollout$ MinAtar/Breakout-v1 rgb → ReplayBuffer (4k steps)', modes, (m) => rolloutRate(m, 4_000, browser));
    const path = writeResults('viewer.json', 'viewer', {
      pageDrawRate: {
        what: 'frames/s drawn by the page (headless chromium, pixi WebGL on SwiftShader) for Catch-v0 rgb 84×84 frames offered ~1000/s in stream mode with no rate cap: lockStep = 1 frame in flight (send, draw, ack), pipelined2 = 2 in flight',
        ...draw,
      },
      perStepCostNoPage: {
        what: 'ns a step costs with only a counting subscriber, and with attachViewer listening (no page), a million synthetic TrainSteps; medians of 7',
        ...perStep,
      },
      trainingOverhead: {
        what: "TrainingRun steps/s without a viewer, with attachViewer and no page, and with a page connected and drawing (the page's chromium shares the 2 cores)",
        ...training,
      },
      rolloutOverhead: {
        what: 'rollout$ (random policy) feeding a ReplayBuffer of 84×84×3 frames, hot Subject to the viewer (stream mode defaults: 20 frames/s at most, 2% time share)',
        ...rollout,
      },
      rounds: ROUNDS,
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10),
    });
    console.log(`wrote ${path}`);
  } finally {
    await browser?.close();
  }
}
