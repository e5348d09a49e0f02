// Reward shaping from what a detector sees, in the potential-based form of Ng, Harada & Russell 1999
// ("Policy invariance under reward transformations"): r' = r + γ·Φ(s') − Φ(s). Any such shaping
// leaves the optimal policies unchanged, because along an episode the added terms telescope to
// γ^T·Φ(s_T) − Φ(s_0): a constant per start state once Φ of a terminal state is taken as 0. Here
// Φ(s) is a function of the detector's objects in the frame of s — with the detector fixed, a
// function of the state, as the theorem needs — so the shaping only speeds learning up.
import type { Env, ResetOptions, ResetResult, StepResult } from '../../../envs/core.js';
import { Wrapper } from '../../../envs/wrappers/wrapper.js';
import type { Detection } from '../detection/boxes.js';
import { checkFrame, checkFrameSpace, type ObjectDetector } from './models.js';

/** Φ: a number from the objects detected in a frame of `width` × `height` pixels. */
export type DetectionPotential = (objects: readonly Detection[], width: number, height: number) => number;

export interface DetectionRewardShapingOptions {
  /** The discount γ of the agent that learns from the shaped reward (the theorem needs the same γ). */
  gamma: number;
  /** Detections scoring below this are not passed to the potential. Default 0.5. */
  minScore?: number;
}

/**
 * Φ = −scale · |x(target) − x(follower)| / width, from the centres of the best-scoring detection of
 * each class; 0 when either is missing. In Catch (target 'ball', follower 'paddle') this pays for
 * moving the paddle under the ball before the ball lands.
 */
export function horizontalAlignmentPotential(targetClass: number, followerClass: number, scale = 1): DetectionPotential {
  if (!(Number.isFinite(scale) && scale >= 0)) throw new RangeError(`horizontalAlignmentPotential: scale must be >= 0, got ${scale}`);
  return (objects, width) => {
    const best = (cls: number) => objects.filter((o) => o.classId === cls).sort((a, b) => b.score - a.score)[0];
    const target = best(targetClass);
    const follower = best(followerClass);
    if (!target || !follower) return 0;
    const dx = (target.box.x0 + target.box.x1) / 2 - (follower.box.x0 + follower.box.x1) / 2;
    return (-scale * Math.abs(dx)) / width;
  };
}

/**
 * Adds γ·Φ(s') − Φ(s) to every reward, Φ computed on the observed frames (Φ(s') = 0 when the step
 * terminates the episode; a truncated episode's last state is not absorbing and keeps its Φ). The
 * env's own reward is kept in `info.envReward`, the shaping term in `info.shaping`. Observations
 * pass through unchanged; wrap this before wrappers that change them.
 */
export class DetectionRewardShaping<A = unknown> extends Wrapper<Uint8Array, A> {
  readonly detector: ObjectDetector;
  readonly potential: DetectionPotential;
  readonly gamma: number;
  readonly minScore: number;
  /** Φ of the latest observation (null before the first reset). */
  lastPotential: number | null = null;
  private readonly frameSize: number;

  constructor(env: Env<Uint8Array, A>, detector: ObjectDetector, potential: DetectionPotential, options: DetectionRewardShapingOptions) {
    super(env);
    checkFrameSpace(env.observationSpace, detector.inputShape, 'DetectionRewardShaping');
    if (typeof potential !== 'function') throw new TypeError('DetectionRewardShaping: potential must be a function');
    const gamma = options?.gamma;
    if (!(typeof gamma === 'number' && gamma >= 0 && gamma <= 1)) throw new RangeError(`DetectionRewardShaping: gamma must be in [0, 1], got ${String(gamma)}`);
    const minScore = options.minScore ?? 0.5;
    if (!(minScore >= 0 && minScore <= 1)) throw new RangeError(`DetectionRewardShaping: minScore must be in [0, 1], got ${minScore}`);
    this.detector = detector;
    this.potential = potential;
    this.gamma = gamma;
    this.minScore = minScore;
    const [h, w, c] = detector.inputShape;
    this.frameSize = h * w * c;
  }

  /** Φ of a frame. */
  potentialOf(frame: Uint8Array): number {
    checkFrame(frame, this.frameSize, 'DetectionRewardShaping');
    const [h, w] = this.detector.inputShape;
    const objects = this.detector.detect([frame])[0]!.filter((d) => d.score >= this.minScore);
    const phi = this.potential(objects, w, h);
    if (!Number.isFinite(phi)) throw new RangeError(`DetectionRewardShaping: the potential returned ${phi}`);
    return phi;
  }

  override reset(opts?: ResetOptions): ResetResult<Uint8Array> {
    const r = this.env.reset(opts);
    this.lastPotential = this.potentialOf(r.observation);
    return r;
  }

  override step(action: A): StepResult<Uint8Array> {
    if (this.lastPotential === null) throw new Error('DetectionRewardShaping: step() called before reset()');
    const r = this.env.step(action);
    const next = r.terminated ? 0 : this.potentialOf(r.observation);
    const shaping = this.gamma * next - this.lastPotential;
    this.lastPotential = next;
    r.info = { ...r.info, envReward: r.reward, shaping };
    r.reward += shaping;
    return r;
  }
}
