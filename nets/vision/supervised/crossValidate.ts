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
  /** Whether folds kept the data's groups (episodes) whole. */
  readonly grouped: boolean;
}

export interface CrossValidateOptions {
  /**
   * Keep each group of `data.groups` in one fold: 'auto' (default) when the data has groups and at
   * least k of them, true to insist (an error otherwise), false for plain image folds.
   */
  grouped?: boolean | 'auto';
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
 * k folds of whole groups: groups in seeded random order, each added to the fold with the fewest
 * items so far, so sizes stay close when groups differ in size.
 */
export function groupedFoldIndices(groups: ArrayLike<number>, k: number, seed: number): number[][] {
  const members = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    let list = members.get(g);
    if (!list) members.set(g, (list = []));
    list.push(i);
  }
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`groupedFoldIndices: k must be an integer ≥ 2, got ${String(k)}`);
  if (members.size < k) throw new RangeError(`groupedFoldIndices: ${members.size} groups cannot make ${k} folds`);
  if (!Number.isInteger(seed)) throw new TypeError(`groupedFoldIndices: seed must be an integer, got ${String(seed)}`);
  const order = new Rng(seed).shuffle([...members.keys()].sort((a, b) => a - b));
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const g of order) {
    let smallest = 0;
    for (let f = 1; f < k; f++) if (folds[f]!.length < folds[smallest]!.length) smallest = f;
    folds[smallest]!.push(...members.get(g)!);
  }
  return folds;
}

/**
 * Trains a fresh model (from `makeModel(fold)`) on k − 1 folds and scores it on the held-out one,
 * for each of the k folds; every model is disposed after scoring. Folds keep groups (episodes)
 * whole when the data has them (see `CrossValidateOptions`).
 */
export async function crossValidate(
  makeModel: (fold: number) => Classifier,
  data: LabeledImages,
  k: number,
  seed: number,
  options: CrossValidateOptions = {},
): Promise<CrossValidationResult> {
  if (typeof makeModel !== 'function') throw new TypeError('crossValidate: makeModel must be a function');
  const n = checkLabeled(data, 'crossValidate');
  const want = options.grouped ?? 'auto';
  const groupCount = data.groups ? new Set(data.groups).size : 0;
  if (want === true && groupCount < k) throw new RangeError(`crossValidate: grouped folds need at least ${k} groups, the data has ${groupCount}`);
  const grouped = want === true || (want === 'auto' && groupCount >= k);
  const folds = grouped ? groupedFoldIndices(data.groups!, k, seed) : kFoldIndices(n, k, seed);
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
  return { folds: scores, mean, std, grouped };
}
