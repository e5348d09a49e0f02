// A second thread for our own SIMD kernels on the threaded build's shared wasm memory. XNNPACK keeps
// its pool to itself, so without this our kernels would use one core of two. The helper thread
// instantiates the same module (simd/module.ts) on the same memory. A job (jobs.ts) is a list of
// chunks; the caller posts it and starts on the chunks at once, and both threads take the next
// chunk from a shared counter until none are left. A helper that wakes late, runs slow for a while,
// is still starting or is gone simply runs fewer chunks, or none: the caller never waits for more
// than the chunk the helper is on.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MAX_JOB_ARGS, jobChunks, runChunk } from './jobs.js';
import { isSharedMemory, type SimdKernels, type WasmMemory } from './module.js';

/** ctrl words (Int32Array) */
export const H_STATE = 0;
export const H_SEQ = 1;
export const H_READY = 2;
/** Chunks the helper has run (for tests). */
export const H_JOBS = 3;
/** The next chunk to take, and how many the posted job has. */
export const H_NEXT = 4;
export const H_CHUNKS = 5;
const H_WORDS = 8;
/** The job's numbers (Float64) start after the ctrl words. */
const H_ARGS_BYTES = 4 * H_WORDS;

const IDLE = 0;
export const POSTED = 1;
export const TAKEN = 2;
export const DONE = 3;
export const STOP = 4;

export interface HelperData {
  memory: WasmMemory;
  ctrl: Int32Array;
  args: Float64Array;
}

/** Takes chunks of the posted job until none are left; returns how many this thread ran. */
export function takeChunks(ctrl: Int32Array, run: (c: number) => void): number {
  const chunks = Atomics.load(ctrl, H_CHUNKS);
  let ran = 0;
  for (;;) {
    const c = Atomics.add(ctrl, H_NEXT, 1);
    if (c >= chunks) return ran;
    run(c);
    ran++;
  }
}

export class SimdHelper {
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private dead = false;

  constructor(private readonly worker: Worker, data: HelperData) {
    this.ctrl = data.ctrl;
    this.args = data.args;
    worker.on('exit', () => {
      this.dead = true;
    });
    worker.on('error', () => {
      this.dead = true;
    });
  }

  /** Chunks of jobs the helper thread ran itself. */
  get jobsRun(): number {
    return Atomics.load(this.ctrl, H_JOBS);
  }

  get ready(): boolean {
    return !this.dead && Atomics.load(this.ctrl, H_READY) === 1;
  }

  /** Runs every chunk of job `args` between this thread and the helper. */
  share(args: readonly number[], chunks: number, run: (c: number) => void): void {
    if (args.length > this.args.length) throw new Error(`pixelgym: a SIMD job takes at most ${this.args.length} numbers`);
    this.args.set(args);
    Atomics.store(this.ctrl, H_NEXT, 0);
    Atomics.store(this.ctrl, H_CHUNKS, chunks);
    Atomics.store(this.ctrl, H_STATE, POSTED); // publishes the args, counter and size
    Atomics.add(this.ctrl, H_SEQ, 1);
    Atomics.notify(this.ctrl, H_SEQ);
    try {
      takeChunks(this.ctrl, run);
    } finally {
      this.settle();
    }
  }

  /** After the caller ran out of chunks: withdraws the job if the helper never took it, else waits for its last chunk. */
  private settle(): void {
    if (Atomics.compareExchange(this.ctrl, H_STATE, POSTED, IDLE) === POSTED) return;
    while (Atomics.load(this.ctrl, H_STATE) === TAKEN) {
      if (this.dead) throw new Error('pixelgym: the SIMD helper thread died during a job');
      Atomics.wait(this.ctrl, H_STATE, TAKEN, 1000);
    }
    Atomics.store(this.ctrl, H_STATE, IDLE);
  }

  async stop(): Promise<void> {
    Atomics.store(this.ctrl, H_STATE, STOP);
    Atomics.add(this.ctrl, H_SEQ, 1);
    Atomics.notify(this.ctrl, H_SEQ);
    await this.worker.terminate();
  }
}

function helperScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return join(dirname(here), '..', '..', '..', 'dist', 'nets', 'kernels', 'simd', 'helperWorker.js');
  return join(dirname(here), 'helperWorker.js');
}

const helpers = new Map<WasmMemory, SimdHelper | null>();

/**
 * The ready helper for a shared memory, or null (plain memory, still starting, or it could not
 * start). The first call starts it in the background; kernels run alone until it is ready.
 */
export function simdHelper(memory: WasmMemory | undefined): SimdHelper | null {
  if (!memory || !isSharedMemory(memory)) return null;
  if (!helpers.has(memory)) {
    let made: SimdHelper | null = null;
    try {
      const sab = new SharedArrayBuffer(H_ARGS_BYTES + 8 * MAX_JOB_ARGS);
      const data: HelperData = { memory, ctrl: new Int32Array(sab, 0, H_WORDS), args: new Float64Array(sab, H_ARGS_BYTES, MAX_JOB_ARGS) };
      const worker = new Worker(helperScript(), { workerData: data });
      worker.unref(); // never keeps a process alive
      made = new SimdHelper(worker, data);
    } catch {
      made = null;
    }
    helpers.set(memory, made);
  }
  const h = helpers.get(memory) ?? null;
  return h?.ready ? h : null;
}

/** Runs job `args` (jobs.ts) with `kernels` on this thread, sharing its chunks with the helper when it is up. */
export function runJob(memory: WasmMemory | undefined, kernels: SimdKernels, args: readonly number[]): void {
  const chunks = jobChunks(args);
  const helper = chunks > 1 ? simdHelper(memory) : null;
  const run = (c: number): void => runChunk(kernels, args, c);
  if (!helper) {
    for (let c = 0; c < chunks; c++) run(c);
    return;
  }
  helper.share(args, chunks, run);
}

/** Stops every helper (when the wasm back end stops). */
export async function stopSimdHelpers(): Promise<void> {
  const all = [...helpers.values()];
  helpers.clear();
  await Promise.all(all.map((h) => h?.stop()));
}
