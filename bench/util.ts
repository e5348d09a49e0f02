import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

/** bench/results in the repo, whether running from source or from dist/bench. */
export const resultsDir = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  const repo = here.includes(`${join('dist', 'bench')}`) ? join(here, '..', '..') : join(here, '..');
  return join(repo, 'bench', 'results');
})();

/**
 * Merges `data` under `section` into bench/results/<file>.json (several benchmarks share a file,
 * e.g. envs.json), atomically, with a note of the machine it ran on.
 */
export function writeResults(file: string, section: string, data: Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, file);
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    current = {};
  }
  current[section] = {
    ...data,
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(current, null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs fn `repeats` times after `warmup` runs; returns per-run milliseconds. */
export async function timeRuns(fn: () => unknown | Promise<unknown>, repeats: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Wall and CPU milliseconds of repeated steps: median and minimum. */
export interface Timing {
  steps: number;
  wallMs: { median: number; min: number };
  cpuMs: { median: number; min: number };
}

export const round = (v: number, digits = 3): number => Number(v.toFixed(digits));

export function summarize(wall: number[], cpu: number[]): Timing {
  return {
    steps: wall.length,
    wallMs: { median: round(median(wall)), min: round(Math.min(...wall)) },
    cpuMs: { median: round(median(cpu)), min: round(Math.min(...cpu)) },
  };
}

/** Runs `step` once, appending its wall and process-CPU milliseconds. */
export function measure(step: () => void, wall: number[], cpu: number[]): void {
  const c = process.cpuUsage();
  const t = performance.now();
  step();
  wall.push(performance.now() - t);
  const d = process.cpuUsage(c);
  cpu.push((d.user + d.system) / 1000);
}

/** How steady this machine's CPU is right now, from a fixed single-threaded loop timed repeatedly. */
export interface HostNoise {
  /** Fastest and median time of one pass of the loop, ms. */
  minMs: number;
  medianMs: number;
  /** medianMs / minMs: 1.0 on a steady CPU. A fixed amount of work then varies by this much, so medians of anything else do too. */
  medianOverMin: number;
}

/** `iters` rounds of integer mixing the JIT cannot skip (the result depends on every round): fixed CPU work. */
export function burn(iters: number, seed: number): number {
  let x = seed | 0;
  for (let k = 0; k < iters; k++) x = (Math.imul(x, 1664525) + 1013904223) ^ (x >>> 13);
  return x;
}

/**
 * Times `passes` runs of a fixed integer loop (~5 ms each). On these shared VMs the same work took
 * anywhere from 1.0× to 1.7× its fastest time from one minute to the next, with no other job
 * running: the benches record this next to their medians so a slow median can be read for what it is.
 */
export function hostNoise(passes = 40): HostNoise {
  const n = 2_000_000;
  let sink = burn(n, 1);
  const times: number[] = [];
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    sink ^= burn(n, 1);
    times.push(performance.now() - t0);
  }
  if (sink === 42) console.log(''); // keeps the loop's result alive
  const minMs = Math.min(...times);
  const medianMs = median(times);
  return { minMs: round(minMs), medianMs: round(medianMs), medianOverMin: round(medianMs / minMs) };
}
