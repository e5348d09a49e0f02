// Classification losses (cs231n ch. 2: linear classification, the multiclass SVM and softmax).
import * as tf from '@tensorflow/tfjs';

/** Mean cross-entropy of softmax(scores) against integer labels; scores [N, C], labels int32 [N]. */
export function softmaxLoss(scores: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(scores);
    const picked = logp.mul(tf.oneHot(labels, scores.shape[1])).sum(1);
    return picked.mean().neg() as tf.Scalar;
  });
}

/**
 * Mean multiclass hinge loss (Weston & Watkins): Σ_{j≠y} max(0, s_j − s_y + margin) per example.
 * The correct class's own term would add exactly `margin`; it is subtracted out.
 */
export function svmLoss(scores: tf.Tensor2D, labels: tf.Tensor1D, margin = 1): tf.Scalar {
  return tf.tidy(() => {
    const mask = tf.oneHot(labels, scores.shape[1]).toFloat();
    const correct = scores.mul(mask).sum(1, true);
    const margins = scores.sub(correct).add(margin).relu().mul(tf.scalar(1).sub(mask));
    return margins.sum(1).mean() as tf.Scalar;
  });
}
