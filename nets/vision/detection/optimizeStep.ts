// One optimizer step on a loss made of parts, reporting every part: the shared training step of the
// vision models.
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm } from '../../optim/clip.js';

/**
 * Computes `loss()` — the total first, then any parts to report — with gradients for `variables`,
 * clips them to the global norm `maxGradNorm` (0 = no clipping) and applies them. Returns the values
 * of the total and the parts. Throws, applying nothing, when any of them is not finite.
 */
export function optimizeStep(optimizer: tf.Optimizer, variables: tf.Variable[], loss: () => tf.Scalar[], maxGradNorm = 0): number[] {
  const kept: tf.Tensor[] = [];
  let grads: tf.NamedTensorMap = {};
  try {
    grads = tf.tidy(
      () =>
        tf.variableGrads(() => {
          const all = loss();
          if (all.length === 0) throw new Error('optimizeStep: loss() returned no tensors');
          // The forward pass runs in its own tidy: keep the parts so they can be read afterwards.
          for (const t of all) kept.push(tf.keep(t));
          return all[0]!;
        }, variables).grads,
    );
    const stacked = tf.stack(kept);
    const values = Array.from(stacked.dataSync());
    stacked.dispose();
    if (!values.every(Number.isFinite)) throw new Error(`optimizeStep: a loss is not finite (${values.join(', ')})`);
    if (maxGradNorm > 0) {
      const clipped = clipByGlobalNorm(grads, maxGradNorm);
      try {
        optimizer.applyGradients(clipped.grads);
      } finally {
        tf.dispose(Object.values(clipped.grads));
      }
    } else {
      optimizer.applyGradients(grads);
    }
    return values;
  } finally {
    tf.dispose(Object.values(grads));
    tf.dispose(kept);
  }
}
