// Weight plumbing: freezing layers for transfer learning (cs231n ch. 6.7) and target networks
// (hard copies, Mnih et al. 2015; Polyak averaging, Lillicrap et al. 2016 "DDPG").
import * as tf from '@tensorflow/tfjs';

function setTrainable(model: tf.LayersModel, trainable: boolean): void {
  for (const layer of model.layers) {
    // Nested models keep their own flags; walk into them so every variable's flag changes.
    if (layer instanceof tf.LayersModel) setTrainable(layer, trainable);
    else layer.trainable = trainable;
  }
  model.trainable = trainable;
}

/** Marks every layer (nested models included) non-trainable: it drops out of `trainableWeights`. */
export function freeze(model: tf.LayersModel): void {
  setTrainable(model, false);
}

/** Undoes `freeze`. */
export function unfreeze(model: tf.LayersModel): void {
  setTrainable(model, true);
}

function pairs(src: tf.LayersModel, dst: tf.LayersModel, what: string): Array<[tf.LayerVariable, tf.LayerVariable]> {
  const s = src.weights;
  const d = dst.weights;
  if (s.length !== d.length) throw new Error(`${what}: ${src.name} has ${s.length} weights, ${dst.name} has ${d.length}`);
  return s.map((w, i) => {
    const v = d[i]!;
    if (w.shape.join(',') !== v.shape.join(',')) {
      throw new Error(`${what}: weight ${w.name} [${w.shape.join(', ')}] does not match ${v.name} [${v.shape.join(', ')}]`);
    }
    return [w, v];
  });
}

/**
 * dst ← src for every weight (trainable or not, e.g. batch-norm statistics), in place. The models must
 * have the same architecture (weights matched by order and shape).
 */
export function copyWeights(src: tf.LayersModel, dst: tf.LayersModel): void {
  const ps = pairs(src, dst, 'copyWeights');
  tf.tidy(() => {
    // Assigning shares the source's (immutable) buffer; the old buffer is released by the variable.
    for (const [s, d] of ps) d.write(s.read());
  });
}

/** dst ← τ·src + (1−τ)·dst for every weight, in place (soft target update). */
export function polyakUpdate(src: tf.LayersModel, dst: tf.LayersModel, tau: number): void {
  if (!(tau >= 0 && tau <= 1)) throw new Error(`polyakUpdate: tau must be in [0, 1], got ${tau}`);
  const ps = pairs(src, dst, 'polyakUpdate');
  tf.tidy(() => {
    for (const [s, d] of ps) d.write(tf.add(tf.mul(s.read(), tau), tf.mul(d.read(), 1 - tau)));
  });
}
