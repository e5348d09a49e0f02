// Ground truth from frame datasets (nets/vision/data) in the detectors' terms.
import type { FrameDataset, ObjectBox } from '../data/frameDataset.js';
import type { LabeledBox } from './boxes.js';

/** Dataset boxes ({ kind, x0, y0, x1, y1 }) as labelled boxes ({ classId, box }). */
export function toLabeledBoxes(boxes: readonly ObjectBox[]): LabeledBox[] {
  return boxes.map((b) => ({ classId: b.kind, box: { x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1 } }));
}

/** The frames of a dataset (views, not copies) and their objects, ready for `TwoStageDetector.trainStep`. */
export function detectionSamples(dataset: FrameDataset): { frames: Uint8Array[]; objects: LabeledBox[][] } {
  const frames: Uint8Array[] = [];
  const objects: LabeledBox[][] = [];
  for (let i = 0; i < dataset.size; i++) {
    frames.push(dataset.frame(i));
    objects.push(toLabeledBoxes(dataset.boxes[i]!));
  }
  return { frames, objects };
}
