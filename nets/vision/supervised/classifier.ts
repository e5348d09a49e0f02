import type { ImageShape } from '../../modules/types.js';
import { accuracy, checkLabeled, type LabeledImages } from './labeled.js';

/** What training reports. */
export interface FitSummary {
  /** Mean training loss per epoch (empty for kNN, which does not train). */
  readonly losses: readonly number[];
}

/** A trainable image classifier (kNN, linear, CNN): fit on labelled images, predict class indices. */
export interface Classifier {
  readonly name: string;
  fit(train: LabeledImages): Promise<FitSummary>;
  /** Class of each image in a flat [N, H, W, C] array. */
  predict(images: Float32Array, shape: ImageShape): Promise<Int32Array>;
  /** Frees the classifier's tensors. */
  dispose(): void;
}

/** Accuracy of `classifier` on `data`. */
export async function evaluateClassifier(classifier: Classifier, data: LabeledImages): Promise<number> {
  checkLabeled(data, 'evaluateClassifier');
  return accuracy(await classifier.predict(data.images, data.shape), data.labels);
}
