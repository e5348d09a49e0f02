// Worker-thread entry of AsyncVectorEnv (runs from dist/envs/vector/worker.js). Builds its
// sub-envs by id through the registry, then serves reset/step ops on shared memory; see protocol.ts.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Env, EnvMetadata, EnvSpec } from '../core.js';
import '../index.js'; // registers the built-in envs
import { importModule, makeAsync, register } from '../registry.js';
import { hasKeys } from './infos.js';
import { slotLayout } from './layout.js';
import { applyWrappers, loadWrapper } from './modules.js';
import {
  CTRL_CMD,
  CTRL_DONE,
  CTRL_EXITED,
  CTRL_EXIT_CODE,
  CTRL_HAS_MSG,
  CTRL_OP,
  CTRL_SLEEPING,
  OP_CLOSE,
  OP_RESET,
  OP_STEP,
  type ResetPayload,
  type WorkerData,
  type WorkerHello,
  type WorkerReply,
  type WorkerSetup,
} from './protocol.js';
import { currentThreadId, pinCurrentThread } from './affinity.js';
import { SubEnvRunner } from './runner.js';

const data = workerData as WorkerData;
const { config, ctrl, pending, port } = data;
const parent = parentPort!;

async function buildEnvs(): Promise<Env[]> {
  for (const m of config.imports) await importModule(m);
  // The main thread's registration wins over anything the imports registered under the same id.
  if (config.registration) register(config.registration);
  const wrappers = await Promise.all(config.wrappers.map((w) => loadWrapper(w)));
  const envs: Env[] = [];
  for (let k = 0; k < config.envIndices.length; k++) {
    const env = await makeAsync(config.id, config.kwargs, { maxEpisodeSteps: config.maxEpisodeSteps, disableEnvChecker: true });
    envs.push(applyWrappers(env, wrappers));
  }
  const json = (e: Env) => JSON.stringify([e.observationSpace.toJSON(), e.actionSpace.toJSON()]);
  envs.forEach((e, k) => {
    if (json(e) !== json(envs[0]!)) throw new Error(`env ${config.envIndices[k]} has different spaces than env ${config.envIndices[0]}`);
  });
  return envs;
}

/** A structured-cloneable copy, or the fallback when the value holds functions or the like. */
function cloneable<T>(value: T, fallback: T): T {
  try {
    return structuredClone(value);
  } catch {
    return fallback;
  }
}

function nextSetup(): Promise<WorkerSetup> {
  return new Promise((resolve) => parent.once('message', (m: WorkerSetup) => resolve(m)));
}

/**
 * Waits for CMD to move past `seen`: first polls it for up to `spinMicros` (the next step usually
 * comes within tens of µs, and a futex wake-up costs about that much on each side), then blocks.
 */
function nextCommand(seen: number, spinMicros: number): number {
  if (spinMicros > 0) {
    const until = performance.now() + spinMicros / 1000;
    do {
      for (let k = 0; k < 64; k++) {
        const cmd = Atomics.load(ctrl, CTRL_CMD);
        if (cmd !== seen) return cmd;
      }
    } while (performance.now() < until);
  }
  for (;;) {
    Atomics.store(ctrl, CTRL_SLEEPING, 1);
    // Re-checked after SLEEPING is set: a CMD stored before then was not followed by a notify.
    if (Atomics.load(ctrl, CTRL_CMD) === seen) Atomics.wait(ctrl, CTRL_CMD, seen);
    Atomics.store(ctrl, CTRL_SLEEPING, 0);
    const cmd = Atomics.load(ctrl, CTRL_CMD);
    if (cmd !== seen) return cmd;
  }
}

function serve(envs: Env[], setup: WorkerSetup): void {
  const bufs = setup.buffers;
  const obs = slotLayout(envs[0]!.observationSpace, 'observation');
  const act = slotLayout(envs[0]!.actionSpace, 'action');
  const runners = envs.map((e, k) => new SubEnvRunner(e, config.envIndices[k]!, bufs, obs, act, config.autoresetMode));
  const sameStep = config.autoresetMode === 'same-step';
  let seen = 0; // CMD starts at 0; main may have bumped it already (a reset sent before we got here)
  // Poll while polls find the next op; after one runs out, skip polling for 1, 2, 4 … 64 ops: when
  // the main thread spends longer between steps (a policy update, say, or a busy machine), polling
  // would just burn a core that it may need.
  let skipPolls = 0;
  let backoff = 1;
  for (;;) {
    const polls = skipPolls === 0 && config.spinMicros > 0;
    if (skipPolls > 0) skipPolls--;
    const idleSince = polls ? performance.now() : 0;
    const seq = nextCommand(seen, polls ? config.spinMicros : 0);
    if (polls) {
      if ((performance.now() - idleSince) * 1000 <= config.spinMicros) backoff = 1;
      else {
        skipPolls = backoff;
        backoff = Math.min(2 * backoff, 64);
      }
    }
    seen = seq;
    const op = Atomics.load(ctrl, CTRL_OP);
    let hasMsg = 0;
    let current = -1;
    let phase = op === OP_RESET ? 'reset' : op === OP_STEP ? 'step' : 'close';
    try {
      if (op === OP_RESET) {
        const p = receiveMessageOnPort(port)?.message as ResetPayload | undefined;
        if (!p) throw new Error('reset payload missing');
        for (let k = 0; k < runners.length; k++) {
          current = runners[k]!.index;
          runners[k]!.reset(p.seeds[k], p.options);
        }
      } else if (op === OP_STEP) {
        for (let k = 0; k < runners.length; k++) {
          current = runners[k]!.index;
          runners[k]!.step();
        }
      } else if (op === OP_CLOSE) {
        for (const e of envs) {
          try {
            e.close();
          } catch {
            /* closing anyway */
          }
        }
      }
      current = -1;
      phase = 'send infos of';
      let anyInfo = false;
      for (let k = 0; k < runners.length && !anyInfo; k++) anyInfo = hasKeys(runners[k]!.info) || hasKeys(runners[k]!.finalInfo);
      if (op !== OP_CLOSE && anyInfo) {
        const reply: WorkerReply = {
          kind: 'infos',
          infos: runners.map((r) => (hasKeys(r.info) ? r.info : null)),
          finalInfos: sameStep ? runners.map((r) => (hasKeys(r.finalInfo) ? r.finalInfo : null)) : null,
        };
        port.postMessage(reply);
        hasMsg = 1;
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const reply: WorkerReply = { kind: 'error', envIndex: current, phase, message: e.message };
      if (e.stack !== undefined) reply.stack = e.stack;
      port.postMessage(reply);
      hasMsg = 1;
    }
    Atomics.store(ctrl, CTRL_HAS_MSG, hasMsg);
    Atomics.store(ctrl, CTRL_DONE, seq);
    if (Atomics.sub(pending, 0, 1) === 1) Atomics.notify(pending, 0);
    if (op === OP_CLOSE) break;
  }
  port.close();
}

// A thread that ends (process.exit in an env, say) flags it where a blocked main thread looks.
process.on('exit', (code: number) => {
  Atomics.store(ctrl, CTRL_EXIT_CODE, code);
  Atomics.store(ctrl, CTRL_EXITED, 1);
  Atomics.notify(pending, 0);
});

async function main(): Promise<void> {
  let envs: Env[];
  try {
    envs = await buildEnvs();
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const hello: WorkerHello = { kind: 'init-error', message: e.message };
    if (e.stack !== undefined) hello.stack = e.stack;
    parent.postMessage(hello);
    return;
  }
  const first = envs[0]!;
  const tid = currentThreadId();
  const metadata: EnvMetadata = cloneable(first.metadata, { renderFps: first.metadata?.renderFps ?? 30 });
  const spec: EnvSpec | null = cloneable(first.spec ?? null, null);
  const hello: WorkerHello = {
    kind: 'ready',
    observationSpace: first.observationSpace.toJSON(),
    actionSpace: first.actionSpace.toJSON(),
    metadata,
    spec,
    tid,
    pinnedCpu: config.cpu !== null && pinCurrentThread(config.cpu, tid) ? config.cpu : null,
  };
  const setup = nextSetup();
  parent.postMessage(hello);
  serve(envs, await setup);
}

void main();
