// How much two busy cores of this machine give over one, for the kind of work a train step is: each
// of one or two worker threads, pinned to its own CPU, runs a 128×128 matmul (it fits in L2) on its
// own single-threaded wasm back end for a fixed time. No split of a step over two threads (XNNPACK's
// threads, or replicas of the model) can speed it up by more than this ratio.
import * as tf from '@tensorflow/tfjs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { allowedCpus, pinCurrentThread } from '../envs/vector/affinity.js';
import { selectBackend } from '../nets/backend.js';
import { median, round } from './util.js';

interface Job {
  cpu: number | null;
  start: Int32Array;
  ms: number;
}

const SIZE = 128;

/** Worker side: matmuls for `ms` after every worker has warmed up; posts GMAC/s. */
async function work(job: Job): Promise<void> {
  await selectBackend('wasm', { wasmThreads: 1 });
  if (job.cpu !== null) pinCurrentThread(job.cpu);
  const a = tf.randomUniform([SIZE, SIZE], 0, 1, 'float32', 1);
  const b = tf.randomUniform([SIZE, SIZE], 0, 1, 'float32', 2);
  const once = (): void => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  for (let i = 0; i < 200; i++) once();
  Atomics.add(job.start, 1, 1);
  Atomics.notify(job.start, 1);
  Atomics.wait(job.start, 0, 0);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < job.ms) {
    for (let i = 0; i < 20; i++) once();
    n += 20;
  }
  const seconds = (performance.now() - t0) / 1000;
  parentPort!.postMessage((n * SIZE ** 3) / seconds / 1e9);
  tf.dispose([a, b]);
}

/** GMAC/s of each of `threads` workers running at once. */
async function run(threads: number, cpus: number[] | null, ms: number): Promise<number[]> {
  const start = new Int32Array(new SharedArrayBuffer(8));
  const workers = Array.from({ length: threads }, (_, k) => {
    const job: Job = { cpu: cpus && cpus.length >= threads ? cpus[k]! : null, start, ms };
    return new Worker(new URL(import.meta.url), { workerData: job });
  });
  const rates = workers.map((w) => new Promise<number>((resolve, reject) => {
    w.once('message', (m: number) => resolve(m));
    w.once('error', reject);
  }));
  while (Atomics.load(start, 1) < threads) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  const out = await Promise.all(rates);
  await Promise.all(workers.map((w) => w.terminate()));
  return out;
}

export interface TwoCoreScaling {
  /** GMAC/s of one thread alone, per round. */
  oneThreadGmacs: number[];
  /** Summed GMAC/s of two threads at once, per round. */
  twoThreadsGmacs: number[];
  /** Median over rounds of two-thread / one-thread throughput (2 would be perfect). */
  ratio: number;
  pinned: boolean;
}

/** Alternates one-thread and two-thread runs for `rounds` rounds. */
export async function twoCoreScaling(rounds = 4, ms = 1500): Promise<TwoCoreScaling> {
  const cpus = allowedCpus();
  const one: number[] = [];
  const two: number[] = [];
  for (let r = 0; r < rounds; r++) {
    one.push((await run(1, cpus, ms))[0]!);
    two.push((await run(2, cpus, ms)).reduce((s, v) => s + v, 0));
  }
  return {
    oneThreadGmacs: one.map((v) => round(v, 2)),
    twoThreadsGmacs: two.map((v) => round(v, 2)),
    ratio: round(median(two.map((v, i) => v / one[i]!)), 2),
    pinned: cpus !== null && cpus.length >= 2,
  };
}

if (!isMainThread && (workerData as Job | undefined)?.start instanceof Int32Array) await work(workerData as Job);
