// k-fold cross-validation (cs231n ch. 1: choosing hyperparameters on validation folds, never the test set).
import { Rng } from '../../../envs/rng.js';
import type { Classifier } from './classifier.js';
import { accuracy, checkLabeled, selectLabeled, type LabeledImages } from './labeled.js';

export interface CrossValidationResult {
  /** Validation accuracy of each fold, in fold order. */
  readonly folds: readonly number[];
  readonly mean: number;
  /** Population standard deviation over folds. */
  readonly std: number;
}

/** A seeded shuffle of 0 … n − 1 cut into k folds whose sizes differ by at most one. */
export function kFoldIndices(n: number, k: number, seed: number): number[][] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`kFoldIndices: k must be an integer ≥ 2, got ${String(k)}`);
  if (!Number.isInteger(n) || n < k) throw new RangeError(`kFoldIndices: ${String(n)} examples cannot make ${k} folds`);
  if (!Number.isInteger(seed)) throw new TypeError(`kFoldIndices: seed must be an integer, got ${String(seed)}`);
  const order = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  return Array.from({ length: k }, (_, f) => order.slice(Math.floor((f * n) / k), Math.floor(((f + 1) * n) / k)));
}

/**
 * Trains a fresh model (from `makeModel(fold)`) on k − 1 folds and scores it on the held-out one,
 * for each of the k folds; every model is disposed after scoring.
 */
export async function crossValidate(makeModel: (fold: number) => Classifier, data: LabeledImages, k: number, seed: number): Promise<CrossValidationResult> {
  if (typeof makeModel !== 'function') throw new TypeError('crossValidate: makeModel must be a function');
  const n = checkLabeled(data, 'crossValidate');
  const folds = kFoldIndices(n, k, seed);
  const scores: number[] = [];
  for (let f = 0; f < k; f++) {
    const train = selectLabeled(data, folds.filter((_, g) => g !== f).flat());
    const held = selectLabeled(data, folds[f]!);
    const model = makeModel(f);
    try {
      await model.fit(train);
      scores.push(accuracy(await model.predict(held.images, held.shape), held.labels));
    } finally {
      model.dispose();
    }
  }
  const mean = scores.reduce((a, b) => a + b, 0) / k;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / k);
  return { folds: scores, mean, std };
}
