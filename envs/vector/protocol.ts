/**
 * What AsyncVectorEnv and its workers say to each other.
 *
 * Data (observations, actions, rewards, flags) lives in SharedArrayBuffers (`BatchBuffers`).
 * Each worker has an Int32 control array: the main thread writes OP, bumps CMD and notifies only
 * if the worker set SLEEPING; the worker polls CMD for `spinMicros`, then sets SLEEPING and blocks
 * in Atomics.wait. It runs the op on all its envs, sets HAS_MSG if it posted a reply and stores
 * CMD's value into DONE. A counter shared by all workers (`pending`) is set to their number before
 * an op; each worker decrements it and the last one notifies, so the main thread wakes once per op.
 * The main thread first blocks on `pending` with Atomics.wait (up to `blockingWaitMs`: no event
 * loop, no allocation), then waits with Atomics.waitAsync, where worker exits and timeouts are
 * seen. A worker's process 'exit' hook sets EXITED and notifies, so a blocked main thread notices.
 * A step with empty infos thus sends no message, and while workers poll its only system calls are
 * the main thread's sleep on `pending` and the last worker's wake-up of it.
 * Small structured messages travel on a dedicated MessagePort read with receiveMessageOnPort
 * (never with listeners), posted before the Atomics signal so they are there when it arrives:
 * reset seeds/options (main → worker), non-empty infos and errors (worker → main).
 */
import type { MessagePort } from 'node:worker_threads';
import type { EnvMetadata, EnvSpec, Info } from '../core.js';
import type { SpaceJSON } from '../spaces/space.js';
import type { BatchBuffers } from './buffers.js';
import type { AutoresetMode } from './types.js';

export const CTRL_CMD = 0;
export const CTRL_DONE = 1;
export const CTRL_OP = 2;
export const CTRL_HAS_MSG = 3;
/** 1 while the worker is (about to be) blocked in Atomics.wait on CMD: only then does it need a notify. */
export const CTRL_SLEEPING = 4;
/** Set to 1 by the worker's process 'exit' hook, so a main thread blocked in Atomics.wait notices a death. */
export const CTRL_EXITED = 5;
/** The worker's exit code, stored by the same hook before EXITED. */
export const CTRL_EXIT_CODE = 6;
export const CTRL_LENGTH = 8;

export const OP_RESET = 1;
export const OP_STEP = 2;
export const OP_CLOSE = 3;

/** How the worker re-registers an env whose main-thread registration is a module path. */
export interface WorkerRegistration {
  id: string;
  entryPoint: string;
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  nondeterministic?: boolean;
  kwargs?: Record<string, unknown>;
}

export interface WorkerConfig {
  id: string;
  kwargs: Record<string, unknown>;
  /** undefined: the registered limit; null: none. */
  maxEpisodeSteps: number | null | undefined;
  envIndices: number[];
  autoresetMode: AutoresetMode;
  /** Absolute module specifiers imported (for their register() calls) before making envs. */
  imports: string[];
  /** Absolute 'module:Export' wrapper references, applied in order. */
  wrappers: string[];
  registration: WorkerRegistration | null;
  /** How long the worker polls for the next op before it blocks, in µs. */
  spinMicros: number;
  /** The CPU the worker pins itself to at start-up (see affinity.ts), or null. */
  cpu: number | null;
}

export interface WorkerData {
  config: WorkerConfig;
  ctrl: Int32Array;
  /** One Int32 shared by all workers: how many are still busy with the current op. */
  pending: Int32Array;
  port: MessagePort;
}

/** Worker → main, on parentPort, once at start-up. */
export type WorkerHello =
  | {
      kind: 'ready';
      observationSpace: SpaceJSON;
      actionSpace: SpaceJSON;
      metadata: EnvMetadata;
      spec: EnvSpec | null;
      /** The worker's kernel thread id (Linux) and the CPU it is pinned to (null: not pinned). */
      tid: number | null;
      pinnedCpu: number | null;
    }
  | { kind: 'init-error'; message: string; stack?: string };

/** Main → worker, on parentPort, once after every worker said hello. */
export interface WorkerSetup {
  kind: 'buffers';
  buffers: BatchBuffers;
}

/** Main → worker, on the port, before each reset. Seeds are for the worker's envs, in order. */
export interface ResetPayload {
  seeds: Array<number | null>;
  options?: Record<string, unknown>;
}

/** Worker → main, on the port, when the op set HAS_MSG. Info lists follow the worker's envs; null means empty. */
export type WorkerReply =
  | { kind: 'infos'; infos: Array<Info | null>; finalInfos: Array<Info | null> | null }
  | { kind: 'error'; envIndex: number; phase: string; message: string; stack?: string };
