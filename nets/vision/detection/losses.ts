// Loss pieces shared by the localizer and the detector: smooth L1 (Girshick 2015, "Fast R-CNN", eq. 3)
// and masked means, written with ops that have gradients on every back end (no gather: its gradient
// needs UnsortedSegmentSum, which the wasm back end lacks).
import * as tf from '@tensorflow/tfjs';

/**
 * Elementwise smooth L1 with transition point beta: 0.5·x²/β for |x| < β, |x| − 0.5·β beyond
 * (β = 1 is Fast R-CNN's). Written as 0.5·q²/β + (|x| − q) with q = min(|x|, β), which needs no select.
 */
export function smoothL1(x: tf.Tensor, beta = 1): tf.Tensor {
  if (!(beta > 0)) throw new RangeError(`smoothL1: beta must be positive, got ${beta}`);
  return tf.tidy(() => {
    const a = tf.abs(x);
    const q = tf.minimum(a, beta);
    return tf.add(tf.mul(tf.square(q), 0.5 / beta), tf.sub(a, q));
  });
}

/** Σ weights·values / max(1, normalizer): a mean over the entries a mask selects. */
export function weightedMean(values: tf.Tensor, weights: tf.Tensor, normalizer: number): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(values, weights)), Math.max(1, normalizer)) as tf.Scalar);
}

/** Per-row softmax cross-entropy of logits [N, K] with one-hot (or soft) targets [N, K]: [N]. */
export function softmaxCrossEntropyRows(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1)) as tf.Tensor1D);
}

/** Elementwise binary cross-entropy of logits z with targets y, in the stable form max(z,0) − z·y + log(1 + e^−|z|). */
export function sigmoidCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}
