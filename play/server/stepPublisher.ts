// Turns a snapshot into what the page shows (step JSON with the scene and the agent's view, and the
// binary pixel frame) and hands it to the pages that are ready for it.
import type { Env } from '../../envs/core.js';
import type { Scene } from '../../envs/render/scene.js';
import type { Space } from '../../envs/spaces/space.js';
import { isExplainable, type ActionExplanation, type Agent } from '../../agents/agent.js';
import type { ClientSet, ViewerClient } from './clients.js';
import { FrameGrabber } from './frames.js';
import { encodeFrame, type StepMessage } from './protocol.js';
import type { Snapshot } from './snapshot.js';
import type { ViewerLogger } from './logger.js';

type ActionJson = number | number[] | null;

function actionToJson(a: unknown): ActionJson {
  if (typeof a === 'number') return a;
  if (ArrayBuffer.isView(a) && !(a instanceof DataView)) return Array.from(a as unknown as ArrayLike<number>, Number);
  if (Array.isArray(a) && a.every((v) => typeof v === 'number')) return a as number[];
  return null;
}

function finiteArray(a: Float32Array | undefined): number[] | undefined {
  return a ? Array.from(a, (v) => (Number.isFinite(v) ? v : 0)) : undefined;
}

export interface PublisherOptions {
  env: Env<unknown, unknown> | null;
  agent: Agent<unknown, unknown> | null;
  observationSpace: Space<unknown> | null;
  actionNames: string[] | null;
  /** The first discrete action's number (names are indexed from it). */
  actionStart: number;
  maxFrameSide: number;
  logger: ViewerLogger;
}

export class StepPublisher {
  private seq = 0;
  private readonly grabber: FrameGrabber;
  private sceneBroken = false;
  private explainBroken = false;

  constructor(
    private readonly clients: ClientSet,
    private readonly opts: PublisherOptions,
  ) {
    this.grabber = new FrameGrabber(opts.observationSpace, opts.maxFrameSide);
  }

  /** The seq of the last published step. */
  get lastSeq(): number {
    return this.seq;
  }

  /** The env's vector scene now, or null (an env without one, or one whose scene() failed before). */
  private scene(): Scene | null {
    const env = this.opts.env;
    if (!env || this.sceneBroken || typeof env.scene !== 'function') return null;
    try {
      return env.scene();
    } catch (err) {
      this.sceneBroken = true;
      this.opts.logger.warn(`viewer: env.scene() failed, showing no scene: ${(err as Error).message}`);
      return null;
    }
  }

  private explain(observation: unknown): ActionExplanation<unknown> | null {
    const agent = this.opts.agent;
    if (!agent || this.explainBroken || !isExplainable(agent)) return null;
    try {
      return agent.explain(observation);
    } catch (err) {
      this.explainBroken = true;
      this.opts.logger.warn(`viewer: agent.explain() failed, showing no Q-values: ${(err as Error).message}`);
      return null;
    }
  }

  /**
   * Builds and sends the snapshot to the ready pages (nothing when none is ready), or only to
   * `only` (a page that just connected and should see the current state).
   */
  publish(snap: Snapshot, now: number, only?: ViewerClient): void {
    if (only ? !only.ready(now, this.clients.limits) : !this.clients.anyReady(now)) {
      if (!only) this.clients.dropForAll();
      return;
    }
    const seq = ++this.seq >>> 0;
    const scene = this.scene();
    const frame = this.grabber.grab(snap.observation, scene, this.opts.env);
    const msg = this.stepMessage(seq, snap, scene, frame !== null);
    const binary = frame ? encodeFrame(seq, frame.width, frame.height, frame.data) : null;
    if (only) only.sendFrame(JSON.stringify(msg), binary, now);
    else this.clients.broadcastFrame(JSON.stringify(msg), binary, now);
  }

  private stepMessage(seq: number, snap: Snapshot, scene: Scene | null, hasFrame: boolean): StepMessage {
    const step = snap.step;
    const action = step ? actionToJson(step.action) : null;
    const names = this.opts.actionNames;
    const msg: StepMessage = {
      type: 'step',
      seq,
      episode: snap.episode,
      t: snap.t,
      globalStep: snap.globalStep,
      action,
      actionName: typeof action === 'number' && names ? (names[action - this.opts.actionStart] ?? null) : null,
      reward: step ? step.reward : 0,
      episodeReturn: snap.episodeReturn,
      terminated: step ? step.terminated : false,
      truncated: step ? step.truncated : false,
      frame: hasFrame,
    };
    const ex = this.explain(snap.observation);
    if (ex) {
      const q = finiteArray(ex.qValues);
      const p = finiteArray(ex.probs);
      if (q) msg.qValues = q;
      if (p) msg.probs = p;
      if (typeof ex.value === 'number' && Number.isFinite(ex.value)) msg.value = ex.value;
      const g = actionToJson(ex.action);
      if (g !== null) msg.greedyAction = g;
    }
    if (scene) msg.scene = scene;
    return msg;
  }
}
