// Frames to lists of objects: an agent sees what a detector found (class, box, confidence) instead of
// pixels — a compact, object-centric state for small networks or even linear learners.
import type { Env } from '../../../envs/core.js';
import { Box } from '../../../envs/spaces/box.js';
import type { Space } from '../../../envs/spaces/space.js';
import { ObservationWrapper } from '../../../envs/wrappers/bases.js';
import type { Detection } from '../detection/boxes.js';
import { checkFrame, checkFrameSpace, type ObjectDetector } from './models.js';

export interface ObjectObservationOptions {
  /** Rows of the observation: at most this many objects are kept. Default 4. */
  maxObjects?: number;
  /** Detections scoring below this are left out. Default 0.5. */
  minScore?: number;
  /**
   * Row order. 'class' (default): by class, then best score first, so with one object per class
   * each class keeps its rows and a linear learner can read features by position. 'score': best first.
   */
  order?: 'class' | 'score';
}

/**
 * Replaces each frame by the detector's objects: a float32 Box [maxObjects, numClasses + 5], one row
 * per object: class one-hot, then x0, y0, x1, y1 divided by the frame's width and height, then the
 * score. Rows past the last object are zero (a zero one-hot marks an empty row).
 */
export class ObjectObservation<A = unknown> extends ObservationWrapper<Float32Array, A, Uint8Array> {
  readonly detector: ObjectDetector;
  readonly maxObjects: number;
  readonly minScore: number;
  readonly order: 'class' | 'score';
  /** The objects behind the latest observation (after the score cut, in row order). */
  lastObjects: Detection[] = [];
  private readonly space: Box;
  private readonly frameSize: number;

  constructor(env: Env<Uint8Array, A>, detector: ObjectDetector, options: ObjectObservationOptions = {}) {
    super(env);
    checkFrameSpace(env.observationSpace, detector.inputShape, 'ObjectObservation');
    const maxObjects = options.maxObjects ?? 4;
    const minScore = options.minScore ?? 0.5;
    const order = options.order ?? 'class';
    if (!(Number.isInteger(maxObjects) && maxObjects > 0)) throw new RangeError(`ObjectObservation: maxObjects must be a positive integer, got ${maxObjects}`);
    if (!(minScore >= 0 && minScore <= 1)) throw new RangeError(`ObjectObservation: minScore must be in [0, 1], got ${minScore}`);
    if (order !== 'class' && order !== 'score') throw new RangeError(`ObjectObservation: order must be 'class' or 'score', got ${String(order)}`);
    this.detector = detector;
    this.maxObjects = maxObjects;
    this.minScore = minScore;
    this.order = order;
    const [h, w, c] = detector.inputShape;
    this.frameSize = h * w * c;
    this.space = new Box(0, 1, [maxObjects, detector.numClasses + 5], 'float32');
  }

  override get observationSpace(): Space<Float32Array> {
    return this.space as unknown as Space<Float32Array>;
  }

  override observation(frame: Uint8Array): Float32Array {
    checkFrame(frame, this.frameSize, 'ObjectObservation');
    const [h, w] = this.detector.inputShape;
    const k = this.detector.numClasses;
    const found = this.detector.detect([frame])[0]!.filter((d) => d.score >= this.minScore);
    found.sort((a, b) => (this.order === 'class' ? a.classId - b.classId : 0) || b.score - a.score);
    this.lastObjects = found.slice(0, this.maxObjects);
    const row = k + 5;
    const out = new Float32Array(this.maxObjects * row);
    this.lastObjects.forEach((d, i) => {
      const o = i * row;
      out[o + d.classId] = 1;
      out[o + k] = clamp01(d.box.x0 / w);
      out[o + k + 1] = clamp01(d.box.y0 / h);
      out[o + k + 2] = clamp01(d.box.x1 / w);
      out[o + k + 3] = clamp01(d.box.y1 / h);
      out[o + k + 4] = clamp01(d.score);
    });
    return out;
  }
}

function clamp01(v: number): number {
  return Math.fround(Math.min(1, Math.max(0, v)));
}
