// Replay memory and speed for Atari-size pixels. Writes bench/results/replay.json:
// - memory: resident bytes per stored transition of 84×84 uint8 frames stacked by 4, measured on
//   a smaller buffer (process.memoryUsage() before and after filling it) and extrapolated
//   linearly to 1M transitions (target ≤ 7.2 KB, so ≤ 7.5 GB at 1M);
// - sample: µs to sample a batch of 32 stacked 84×84×4 observations with their next observations
//   (target ≤ 500 µs);
// - prioritized: µs for a PER sample + priority update of a batch of 32 at 1M capacity (trees at
//   1M, tiny observations; target ≤ 200 µs).
// The machine is shared by several engineers: wall-clock figures are medians and also given per
// CPU-µs of this process where it matters.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../envs/rng.js';
import { PrioritizedReplayBuffer, ReplayBuffer } from '../replay/index.js';
import { median, writeResults } from './util.js';

const FRAME = 84 * 84;
const STACK = 4;
const MEM_CAPACITY = 100_000;
const TARGET_CAPACITY = 1_000_000;
const BATCH = 32;

/** A pool of random frames to cycle through, so filling costs little beyond the buffer's own work. */
function framePool(count: number, rng: Rng): Uint8Array[] {
  return Array.from({ length: count }, () => {
    const f = new Uint8Array(FRAME);
    for (let i = 0; i < FRAME; i++) f[i] = rng.nextUint32() & 255;
    return f;
  });
}

/** Adds `steps` transitions of Atari-like episodes (mean length ~1000 frames) with frames from `pool`. */
function fill(buffer: ReplayBuffer, steps: number, pool: Uint8Array[], rng: Rng): number {
  let frame = 0;
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const obs = pool[frame % pool.length]!;
    const next = pool[(frame + 1) % pool.length]!;
    const done = rng.random() < 0.001;
    buffer.add({ observation: obs, action: rng.int(18), reward: rng.random() < 0.05 ? 1 : 0, terminated: done, truncated: false, nextObservation: next });
    // After an episode ends, the next one starts from another frame (not the final one).
    frame += done ? 7 : 1;
  }
  return ((performance.now() - t0) * 1000) / steps;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

function memory(): { result: Record<string, unknown>; buffer: ReplayBuffer } {
  const rng = new Rng(1);
  const pool = framePool(64, rng);
  gc();
  const before = process.memoryUsage();
  const buffer = new ReplayBuffer({ capacity: MEM_CAPACITY, observationShape: [84, 84, 1], observationDtype: 'uint8', frameStack: STACK, seed: 1 });
  // Fill past capacity so every slot is written (typed arrays are zero pages until touched).
  const addMicros = fill(buffer, MEM_CAPACITY + MEM_CAPACITY / 10, pool, rng);
  gc();
  const after = process.memoryUsage();
  const rssDelta = after.rss - before.rss;
  const abDelta = after.arrayBuffers - before.arrayBuffers;
  const perTransitionRss = rssDelta / buffer.size;
  const perTransitionAb = abDelta / buffer.size;
  // Per slot: frame + action (int32) + reward (float32) + flags (uint8) + step-in-episode (int32).
  const bytesPerSlot = FRAME + 4 + 4 + 1 + 4;
  const result = {
    method:
      `ReplayBuffer(capacity ${MEM_CAPACITY}, [84,84,1] uint8, frameStack 4) filled with ${MEM_CAPACITY * 1.1} transitions (episodes of ~1000 steps); ` +
      `process.memoryUsage() rss and arrayBuffers before construction and after filling (gc ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'forced' : 'not exposed'}); ` +
      `bytes per transition = delta / buffer.size; 1M figure = bytes per transition × 1e6 (storage is linear in capacity: one slot per frame, ` +
      `plus a 3.6 MB SIMD scratch area per 1 GiB chunk). The frames live in wasm memories, which rss counts and arrayBuffers does not.`,
    capacity: MEM_CAPACITY,
    storedTransitions: buffer.size,
    rssDeltaBytes: rssDelta,
    arrayBuffersDeltaBytes: abDelta,
    bytesPerTransitionRss: Math.round(perTransitionRss),
    bytesPerTransitionArrayBuffers: Math.round(perTransitionAb),
    bytesPerSlotByLayout: bytesPerSlot,
    extrapolated1MGBRss: +((perTransitionRss * TARGET_CAPACITY) / 1e9).toFixed(3),
    extrapolated1MGBArrayBuffers: +((perTransitionAb * TARGET_CAPACITY) / 1e9).toFixed(3),
    targetBytesPerTransition: 7200,
    meetsTarget: perTransitionRss <= 7200,
    addMicrosPerTransition: +addMicros.toFixed(2),
  };
  console.log('memory', result);
  return { result, buffer };
}

function sampleSpeed(buffer: ReplayBuffer): Record<string, unknown> {
  const out = buffer.createBatch(BATCH);
  for (let i = 0; i < 200; i++) buffer.sample(BATCH, out); // warm up the JIT
  const wall: number[] = [];
  const reps = 2000;
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    buffer.sample(BATCH, out);
    wall.push((performance.now() - t0) * 1000);
  }
  const c = process.cpuUsage(c0);
  const result = {
    method: `median wall-clock µs of ${reps} calls of sample(32, out) on the filled 100k buffer: 32 observations and 32 next observations, each [84,84,4] uint8, rebuilt from stored frames`,
    batch: BATCH,
    medianMicros: +median(wall).toFixed(1),
    p90Micros: +wall.sort((a, b) => a - b)[Math.floor(reps * 0.9)]!.toFixed(1),
    cpuMicrosPerCall: +((c.user + c.system) / reps).toFixed(1),
    bytesPerCall: 2 * BATCH * FRAME * STACK,
    targetMicros: 500,
    meetsTarget: median(wall) <= 500,
  };
  console.log('sample', result);
  return result;
}

/** CPU µs per sample(32) call, SIMD kernel against the scalar path, on equal 20k buffers. */
function simdVersusScalar(): Record<string, unknown> {
  const cpuPerCall = (simd: boolean): number => {
    const rng = new Rng(2);
    const buffer = new ReplayBuffer({ capacity: 20_000, observationShape: [84, 84, 1], observationDtype: 'uint8', frameStack: STACK, seed: 2, simd });
    fill(buffer, 22_000, framePool(64, rng), rng);
    const out = buffer.createBatch(BATCH);
    for (let i = 0; i < 100; i++) buffer.sample(BATCH, out);
    const reps = 500;
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) buffer.sample(BATCH, out);
    const c = process.cpuUsage(c0);
    return +((c.user + c.system) / reps).toFixed(1);
  };
  const simd = cpuPerCall(true);
  const scalar = cpuPerCall(false);
  const result = {
    method: 'CPU µs per sample(32, out) call (obs + next obs, [84,84,4] uint8), 500 calls on a 20k buffer, with and without the wasm SIMD kernel',
    simdCpuMicros: simd,
    scalarCpuMicros: scalar,
    speedup: +(scalar / simd).toFixed(1),
  };
  console.log('simdVersusScalar', result);
  return result;
}

/** Streams the filled 100k buffer (~0.7 GB) to disk and back; checks the loaded copy samples alike. */
function saveAndLoad(buffer: ReplayBuffer): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'pixelgym-replay-bench-'));
  try {
    const path = join(dir, 'replay.bin');
    const rss0 = process.memoryUsage().rss;
    let t0 = performance.now();
    buffer.save(path);
    const saveMs = performance.now() - t0;
    const rssAfterSave = process.memoryUsage().rss;
    const bytes = statSync(path).size;
    const copy = new ReplayBuffer({ capacity: MEM_CAPACITY, observationShape: [84, 84, 1], observationDtype: 'uint8', frameStack: STACK, seed: 99 });
    t0 = performance.now();
    copy.loadFrom(path);
    const loadMs = performance.now() - t0;
    const a = buffer.sample(BATCH);
    const same = Buffer.from(a.observations).equals(Buffer.from(copy.sample(BATCH).observations));
    const result = {
      method: 'save() of the filled 100k buffer (streamed in ≤ 64 MB pieces with CRC32, temp file + rename), then loadFrom() into a fresh buffer (size and CRC pass, then read), wall clock',
      fileBytes: bytes,
      saveMs: Math.round(saveMs),
      saveMBps: Math.round(bytes / 1e6 / (saveMs / 1000)),
      loadMs: Math.round(loadMs),
      loadMBps: Math.round(bytes / 1e6 / (loadMs / 1000)),
      rssGrowthDuringSaveBytes: rssAfterSave - rss0,
      loadedSamplesIdentical: same,
    };
    console.log('saveAndLoad', result);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function prioritized(): Record<string, unknown> {
  const rng = new Rng(3);
  const buffer = new PrioritizedReplayBuffer({ capacity: TARGET_CAPACITY, observationShape: [1], alpha: 0.6, beta: 0.4, seed: 3 });
  const t0 = performance.now();
  const obs = new Float32Array(1);
  const next = new Float32Array(1);
  const steps = TARGET_CAPACITY + 1000;
  for (let t = 0; t < steps; t++) {
    obs[0] = t;
    next[0] = t + 1;
    buffer.add({ observation: obs, action: rng.int(4), reward: 0, terminated: false, truncated: rng.random() < 0.001, nextObservation: next });
  }
  const addMicros = ((performance.now() - t0) * 1000) / steps;
  const out = buffer.createBatch(BATCH);
  const tds = new Float32Array(BATCH);
  const step = (): void => {
    const batch = buffer.sample(BATCH, out);
    for (let i = 0; i < BATCH; i++) tds[i] = rng.uniform(-2, 2);
    buffer.updatePriorities(batch.indices, tds);
  };
  for (let i = 0; i < 500; i++) step();
  const reps = 5000;
  const wall: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    step();
    wall.push((performance.now() - s) * 1000);
  }
  const c = process.cpuUsage(c0);
  const result = {
    method: `PrioritizedReplayBuffer(capacity 1M, observation [1] float32) filled with ${steps} transitions; median wall-clock µs of ${reps} rounds of sample(32, out) + updatePriorities(indices, 32 TD errors)`,
    capacity: TARGET_CAPACITY,
    treeLeaves: 2 ** Math.ceil(Math.log2(TARGET_CAPACITY)),
    medianMicros: +median(wall).toFixed(1),
    p90Micros: +wall.sort((a, b) => a - b)[Math.floor(reps * 0.9)]!.toFixed(1),
    cpuMicrosPerRound: +((c.user + c.system) / reps).toFixed(1),
    addMicrosPerTransition: +addMicros.toFixed(2),
    targetMicros: 200,
    meetsTarget: median(wall) <= 200,
  };
  console.log('prioritized', result);
  return result;
}

export async function main(): Promise<void> {
  const { result: mem, buffer } = memory();
  writeResults('replay.json', 'memory', mem);
  writeResults('replay.json', 'sample', sampleSpeed(buffer));
  writeResults('replay.json', 'saveAndLoad', saveAndLoad(buffer));
  writeResults('replay.json', 'simdVersusScalar', simdVersusScalar());
  writeResults('replay.json', 'prioritized', prioritized());
}
