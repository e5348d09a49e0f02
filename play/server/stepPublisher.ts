// Turns a snapshot into what the page shows (step JSON with the scene and the agent's view, and the
// binary pixel frame) and hands it to the pages that are ready for it.
import type { Env } from '../../envs/core.js';
import type { Scene } from '../../envs/render/scene.js';
import type { Space } from '../../envs/spaces/space.js';
import { isExplainable, type ActionExplanation, type Agent } from '../../agents/agent.js';
import type { ClientSet, ViewerClient } from './clients.js';
import { FrameGrabber } from './frames.js';
import { OverlaySchedule, type OverlayFunction } from './overlays.js';
import { encodeFrame, encodeOverlay, type StepMessage } from './protocol.js';
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
  /** Explanation overlays of the states shown, and how often. */
  overlay: { fn: OverlayFunction; schedule: OverlaySchedule } | null;
}

export class StepPublisher {
  private seq = 0;
  private readonly grabber: FrameGrabber;
  private sceneBroken = false;
  private explainBroken = false;
  private overlayBroken = false;
  /** Overlay messages sent (one per page that got one). */
  overlaysSent = 0;

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
    const ex = this.explain(snap.observation);
    const msg = this.stepMessage(seq, snap, scene, frame !== null, ex);
    const binary = frame ? encodeFrame(seq, frame.width, frame.height, frame.data) : null;
    let sentTo: ViewerClient[];
    if (only) {
      only.sendFrame(JSON.stringify(msg), binary, now);
      sentTo = [only];
    } else sentTo = this.clients.broadcastFrame(JSON.stringify(msg), binary, now);
    // A page that just connected gets the overlay of the state it is shown, whatever the schedule.
    if (frame && sentTo.length > 0 && this.opts.overlay && !this.overlayBroken && (only || this.opts.overlay.schedule.due(now)))
      this.sendOverlay(seq, snap.observation, ex, sentTo);
  }

  /** Computes the state's overlay and sends it, with the frame's seq, to the pages that got the frame. */
  private sendOverlay(seq: number, observation: unknown, ex: ActionExplanation<unknown> | null, to: ViewerClient[]): void {
    const o = this.opts.overlay!;
    const greedy = ex && typeof ex.action === 'number' ? ex.action - this.opts.actionStart : null;
    const start = performance.now();
    let message: Uint8Array | null;
    try {
      const map = o.fn(observation, greedy);
      message = map ? encodeOverlay(seq, map.width, map.height, map.data) : null;
    } catch (err) {
      // A broken explainer (wrong input shape, a map of the wrong size) is reported once and left off.
      this.overlayBroken = true;
      this.opts.logger.warn(`viewer: the overlay function failed, showing no overlays: ${(err as Error).message}`);
      return;
    } finally {
      o.schedule.spent(start, performance.now());
    }
    if (message) this.overlaysSent += this.clients.sendBinary(to, message);
  }

  private stepMessage(seq: number, snap: Snapshot, scene: Scene | null, hasFrame: boolean, ex: ActionExplanation<unknown> | null): StepMessage {
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
