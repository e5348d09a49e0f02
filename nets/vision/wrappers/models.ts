// What the vision wrappers need of a model: the detectors and the segmenter of nets/vision satisfy
// these, and so can any other (a scripted oracle in a test, a model from elsewhere).
import type { Space } from '../../../envs/spaces/space.js';
import type { Detection } from '../detection/boxes.js';

/** Finds objects in uint8 HWC frames. `TwoStageDetector` is one. */
export interface ObjectDetector {
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** [height, width, channels] of the frames it takes. */
  readonly inputShape: readonly [number, number, number];
  detect(frames: readonly Uint8Array[]): Detection[][];
}

/** Labels every pixel of uint8 HWC frames with a class, 0 being background. `Segmenter` is one. */
export interface PixelSegmenter {
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly inputShape: readonly [number, number, number];
  segment(frames: readonly Uint8Array[]): Uint8Array[];
}

/** Throws unless the env observes uint8 frames of exactly the model's input shape. */
export function checkFrameSpace(space: Space<unknown>, shape: readonly number[], who: string): void {
  const ok = space.dtype === 'uint8' && space.shape.length === 3 && space.shape.every((d, i) => d === shape[i]);
  if (!ok) {
    throw new TypeError(`${who}: the env must observe uint8 frames of the model's input shape [${shape.join(', ')}], got ${String(space)}`);
  }
}

/** Throws unless `obs` is a frame of `size` values (wrappers call it on every observation). */
export function checkFrame(obs: unknown, size: number, who: string): Uint8Array {
  if (!(obs instanceof Uint8Array) || obs.length !== size) {
    throw new TypeError(`${who}: expected a Uint8Array frame of ${size} values, got ${obs instanceof Uint8Array ? `${obs.length} values` : typeof obs}`);
  }
  return obs;
}
