// A second thread for our own SIMD kernels on the threaded build's shared wasm memory. XNNPACK keeps
// its pool to itself, so without this our kernels would use one core of two. The helper thread
// instantiates the same module (simd/module.ts) on the same memory and takes one part of a job; the
// caller does the other. If the helper has not picked the job up by the time the caller is done
// with its own part, the caller takes it back and does it too, so a slow wake-up never costs more
// than running alone, and a helper that is starting or gone is simply not waited for.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isSharedMemory, type WasmMemory } from './module.js';

/** ctrl words (Int32Array) */
export const H_STATE = 0;
export const H_SEQ = 1;
export const H_READY = 2;
/** Jobs the helper has run (for tests). */
export const H_JOBS = 3;
/** Float64 slots for a job's numbers start at this byte offset (after the ctrl words)... */
const H_ARGS_BYTES = 16;
/** ...and there are this many (the largest job, the filter gradient, takes 21). */
const H_ARGS = 32;

const IDLE = 0;
export const POSTED = 1;
export const TAKEN = 2;
export const DONE = 3;
export const STOP = 4;

/** Jobs the helper knows (first number of the args). */
export const JOB_FILTER_GRAD = 1;
/** Args: the eight byte offsets/sizes and eight constants of SimdKernels.adam. */
export const JOB_ADAM = 2;
/** Args: an index into CALLABLE, then that kernel's arguments. */
export const JOB_CALL = 3;
/** Args: dense_sweep.ts's geometry, then the rows [r0, r1). */
export const JOB_DENSE = 4;
/** Args: dense_sweep.ts's geometry, then the scratch offset and the strips [s0, s1). */
export const JOB_DENSE_STRIPS = 5;
/** Kernels a JOB_CALL may name: each takes only numbers and loops over its own range. */
export const CALLABLE = ['convTiles', 'scatterTiles'] as const;
export type Callable = (typeof CALLABLE)[number];

export interface HelperData {
  memory: WasmMemory;
  ctrl: Int32Array;
  args: Float64Array;
}

export class SimdHelper {
  private readonly ctrl: Int32Array;
  readonly args: Float64Array;
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

  /** Parts of jobs the helper thread ran itself. */
  get jobsRun(): number {
    return Atomics.load(this.ctrl, H_JOBS);
  }

  get ready(): boolean {
    return !this.dead && Atomics.load(this.ctrl, H_READY) === 1;
  }

  /** Offers the job in `args` (already written) to the helper. */
  post(): void {
    Atomics.store(this.ctrl, H_STATE, POSTED);
    Atomics.add(this.ctrl, H_SEQ, 1);
    Atomics.notify(this.ctrl, H_SEQ);
  }

  /**
   * Call when the caller's own part is done: runs the posted part here if the helper has not taken
   * it, else waits for the helper to finish it.
   */
  finish(runHere: () => void): void {
    if (Atomics.compareExchange(this.ctrl, H_STATE, POSTED, TAKEN) === POSTED) {
      runHere();
    } else {
      while (Atomics.load(this.ctrl, H_STATE) === TAKEN) {
        if (this.dead) throw new Error('pixelgym: the SIMD helper thread died during a job');
        Atomics.wait(this.ctrl, H_STATE, TAKEN, 1000);
      }
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
      const sab = new SharedArrayBuffer(H_ARGS_BYTES + 8 * H_ARGS);
      const data: HelperData = { memory, ctrl: new Int32Array(sab, 0, 4), args: new Float64Array(sab, H_ARGS_BYTES, H_ARGS) };
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

/** Stops every helper (when the wasm back end stops). */
export async function stopSimdHelpers(): Promise<void> {
  const all = [...helpers.values()];
  helpers.clear();
  await Promise.all(all.map((h) => h?.stop()));
}
