// Activation-based spatial attention (Zagoruyko & Komodakis 2017, "Paying more attention to
// attention"): where a conv layer's activations are strong, Σ_c |A_c|² per position, stretched
// to the input's size. One forward pass to the layer, so it is cheap enough for every live frame.
// It says where the network's features fire, not which of them favour a particular action.
import * as tf from '@tensorflow/tfjs';
import { checkImage, checkModelFor, convLayerNames, imageTensor, layerModel, type ImageInput } from './input.js';
import { resizeMap, type FloatMap } from './map.js';

export interface AttentionOptions {
  /** The conv layer read (default: the last conv layer whose output is larger than 1×1). */
  layer?: string;
  /** Exponent p of Σ_c |A_c|^p (default 2, the paper's choice). */
  power?: number;
}

/** The last conv layer with a spatial output larger than one position, or null. */
export function lastSpatialConvLayer(model: tf.LayersModel): string | null {
  const names = convLayerNames(model);
  for (let i = names.length - 1; i >= 0; i--) {
    const shape = model.getLayer(names[i]!).outputShape as (number | null)[];
    if ((shape[1] ?? 1) * (shape[2] ?? 1) > 1) return names[i]!;
  }
  return null;
}

/** Σ_c |A_c|^p of a conv layer's activations for `image`, as a map of the image's height × width. */
export function attentionMap(model: tf.LayersModel, image: ImageInput, opts: AttentionOptions = {}): FloatMap {
  checkImage(image, 'attentionMap');
  checkModelFor(model, image.shape, 'attentionMap');
  const power = opts.power ?? 2;
  if (!(power > 0) || !Number.isFinite(power)) throw new RangeError(`attentionMap: power must be a positive number, got ${power}`);
  const layer = opts.layer ?? lastSpatialConvLayer(model);
  if (!layer) throw new Error(`attentionMap: ${model.name} has no conv layer with a spatial output (attention needs one)`);
  const sub = layerModel(model, layer);
  const t = tf.tidy(() => {
    const a = sub.predict(imageTensor(image)) as tf.Tensor;
    if (a.rank !== 4) throw new Error(`attentionMap: layer '${layer}' gives rank-${a.rank} output, not [1, h, w, c]`);
    const m = power === 2 ? tf.square(a) : tf.pow(tf.abs(a), power);
    return tf.squeeze(tf.sum(m, 3), [0]);
  });
  const [h, w] = t.shape as [number, number];
  const data = Float32Array.from(t.dataSync() as Float32Array);
  t.dispose();
  return resizeMap({ width: w, height: h, data }, image.shape[1], image.shape[0]);
}
