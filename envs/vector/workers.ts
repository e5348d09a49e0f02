// Worker threads of AsyncVectorEnv as seen from the main thread: spawning, start-up handshake,
// sending an op and waiting for all workers to finish it (see protocol.ts).
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { describeEnvs, VectorEnvError } from './errors.js';
import {
  CTRL_CMD,
  CTRL_DONE,
  CTRL_EXITED,
  CTRL_EXIT_CODE,
  CTRL_HAS_MSG,
  CTRL_LENGTH,
  CTRL_OP,
  CTRL_SLEEPING,
  type WorkerConfig,
  type WorkerData,
  type WorkerHello,
} from './protocol.js';

export interface WorkerState {
  readonly envIndices: readonly number[];
  /** Node's worker threadId. */
  readonly threadId: number;
  /** The kernel thread id (Linux), or null. */
  readonly tid: number | null;
  /** The CPU the worker is pinned to, or null when it is not pinned (pinWorkers). */
  readonly cpu: number | null;
  readonly exited: boolean;
  readonly exitCode: number | null;
}

/** The main thread's view of one worker and the envs it runs. */
export interface Handle {
  worker: Worker;
  threadId: number;
  tid: number | null;
  cpu: number | null;
  ctrl: Int32Array;
  port: MessagePort;
  envIndices: number[];
  seq: number;
  exited: boolean;
  exitCode: number | null;
  crash: Error | null;
}

type WaitResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
// Atomics.waitAsync (V8 ≥ 8.7, Node ≥ 16) is not in the ES2023 lib typings.
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, t?: number) => WaitResult }).waitAsync;

/** Starts an op on a worker: OP, then a new CMD value, then a wake-up unless it is spinning on CMD. */
export function signal(h: Handle, op: number): void {
  Atomics.store(h.ctrl, CTRL_OP, op);
  Atomics.store(h.ctrl, CTRL_HAS_MSG, 0);
  h.seq = (h.seq + 1) | 0;
  Atomics.store(h.ctrl, CTRL_CMD, h.seq);
  // The worker sets SLEEPING before it re-checks CMD and blocks, so one of the two sees the other.
  if (Atomics.load(h.ctrl, CTRL_SLEEPING) === 1) Atomics.notify(h.ctrl, CTRL_CMD);
}

/**
 * Blocks this thread (Atomics.wait) until every worker finished the op: the fast path, no event
 * loop, no allocation. Gives up after `budgetMs`, or as soon as a busy worker flagged its exit,
 * and returns false; the caller then falls back to `waitAll`, which sees exits and enforces timeouts.
 * It never polls: while workers step, polling here would take a core from them.
 */
export function waitAllBlocking(hs: readonly Handle[], pending: Int32Array, budgetMs: number): boolean {
  if (budgetMs <= 0) return false;
  const deadline = performance.now() + budgetMs;
  for (;;) {
    const cur = Atomics.load(pending, 0);
    if (cur <= 0) return allDone(hs);
    for (const h of hs) if (Atomics.load(h.ctrl, CTRL_EXITED) === 1 && Atomics.load(h.ctrl, CTRL_DONE) !== h.seq) return false;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(pending, 0, cur, left);
  }
}

function allDone(hs: readonly Handle[]): boolean {
  for (const h of hs) if (Atomics.load(h.ctrl, CTRL_DONE) !== h.seq) return false;
  return true;
}

/**
 * Waits until every worker finished the op (each decrements `pending`, the last one notifies, so
 * this wakes once per op). Returns the errors of workers that died or ran out of time; a death
 * ends the wait at once, since the vector env then closes anyway.
 */
export async function waitAll(hs: readonly Handle[], pending: Int32Array, phase: string, timeoutMs: number): Promise<VectorEnvError[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const cur = Atomics.load(pending, 0);
    const dead = hs.filter((h) => h.exited && Atomics.load(h.ctrl, CTRL_DONE) !== h.seq);
    if (dead.length > 0) return dead.map((h) => deathError(h, `during ${phase}()`));
    const busy = hs.filter((h) => Atomics.load(h.ctrl, CTRL_DONE) !== h.seq);
    if (busy.length === 0) return [];
    const left = deadline - performance.now();
    if (left <= 0) return busy.map((h) => timeoutError(h, phase, timeoutMs));
    const r = waitAsync(pending, 0, cur, left);
    if (r.async) await r.value;
  }
}

/** Indices of the envs whose worker has not finished the current op. */
export function unfinished(hs: readonly Handle[]): number[] {
  return hs.filter((h) => Atomics.load(h.ctrl, CTRL_DONE) !== h.seq).flatMap((h) => h.envIndices);
}

/** Why a blocking wait ended unfinished, without the event loop: workers that flagged their exit, else the busy ones timed out. */
export function blockedFailures(hs: readonly Handle[], phase: string, timeoutMs: number): VectorEnvError[] {
  const busy = hs.filter((h) => Atomics.load(h.ctrl, CTRL_DONE) !== h.seq);
  const dead = busy.filter((h) => h.exited || Atomics.load(h.ctrl, CTRL_EXITED) === 1);
  if (dead.length > 0) return dead.map((h) => deathError(h, `during ${phase}()`));
  return busy.map((h) => timeoutError(h, phase, timeoutMs));
}

function timeoutError(h: Handle, phase: string, timeoutMs: number): VectorEnvError {
  return new VectorEnvError(`${describeEnvs(h.envIndices)}: no answer to ${phase}() within ${timeoutMs} ms (env stuck?)`, h.envIndices);
}

function deathError(h: Handle, when: string): VectorEnvError {
  // Before the 'exit' event has been delivered, the code comes from the worker's own exit hook.
  const code = h.exitCode ?? Atomics.load(h.ctrl, CTRL_EXIT_CODE);
  const why = h.crash ? `crashed: ${h.crash.message}` : `exited with code ${code}`;
  return new VectorEnvError(`${describeEnvs(h.envIndices)}: worker thread ${why} ${when}`, h.envIndices, { cause: h.crash ?? undefined });
}

/** Starts a worker; its exit (or crash) is recorded on the handle and wakes `waitAll`. */
export function spawn(script: string, config: WorkerConfig, pending: Int32Array): Handle {
  const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_LENGTH * Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const data: WorkerData = { config, ctrl, pending, port: port2 };
  const worker = new Worker(script, { workerData: data, transferList: [port2] });
  const h: Handle = { worker, threadId: worker.threadId, tid: null, cpu: null, ctrl, port: port1, envIndices: config.envIndices, seq: 0, exited: false, exitCode: null, crash: null };
  worker.on('error', (err: Error) => {
    h.crash = err;
  });
  worker.on('exit', (code: number) => {
    h.exited = true;
    h.exitCode = code;
    port1.close();
    Atomics.notify(pending, 0); // wakes waitAll()
  });
  return h;
}

/** Resolves with the worker's spaces once it has built its envs; rejects if it fails, dies or takes too long. */
export function hello(h: Handle, timeoutMs: number, notFoundHint: string): Promise<Extract<WorkerHello, { kind: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      h.worker.off('message', onMessage);
      h.worker.off('exit', onExit);
    };
    const onMessage = (m: WorkerHello) => {
      done();
      if (m.kind === 'ready') resolve(m);
      else {
        const cause = new Error(m.message);
        if (m.stack !== undefined) cause.stack = m.stack;
        const hint = /No env registered/.test(m.message) ? notFoundHint : '';
        reject(new VectorEnvError(`${describeEnvs(h.envIndices)}: worker could not build the env: ${m.message}${hint}`, h.envIndices, { cause }));
      }
    };
    const onExit = () => {
      done();
      reject(deathError(h, 'while starting'));
    };
    const timer = setTimeout(() => {
      done();
      reject(new VectorEnvError(`${describeEnvs(h.envIndices)}: worker did not start within ${timeoutMs} ms`, h.envIndices));
    }, timeoutMs);
    h.worker.on('message', onMessage);
    h.worker.on('exit', onExit);
  });
}

/** Contiguous, near-equal groups of env indices. */
export function groups(numEnvs: number, numWorkers: number): number[][] {
  const out: number[][] = [];
  let next = 0;
  for (let w = 0; w < numWorkers; w++) {
    const size = Math.floor(numEnvs / numWorkers) + (w < numEnvs % numWorkers ? 1 : 0);
    out.push(Array.from({ length: size }, () => next++));
  }
  return out;
}

