// Gram-matrix texture descriptors (Gatys et al. 2015, "Texture synthesis using CNNs"; cs231n ch. 11):
// G = Fᵀ F / (h·w) for the [h·w, c] features F of a layer, the channel co-occurrence statistics.
import * as tf from '@tensorflow/tfjs';
import { checkImage, imageTensor, layerModel, type ImageInput } from './input.js';

/** Gram matrix of a [h, w, c] or [1, h, w, c] feature tensor: [c, c], divided by h·w. */
export function gramMatrix(features: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const c = features.shape[features.shape.length - 1]!;
    const f = tf.reshape(features, [-1, c]);
    // An explicit transpose: matMul with transposeA takes a slow path on wasm (FACTS.md).
    return tf.div(tf.matMul(tf.transpose(f), f), f.shape[0]!) as tf.Tensor2D;
  });
}

/** The Gram matrix of layer `layer`'s activations for one image, [c, c] row-major. */
export function layerGram(model: tf.LayersModel, layer: string, image: ImageInput): { data: Float32Array; channels: number } {
  checkImage(image, 'layerGram');
  const sub = layerModel(model, layer);
  const g = tf.tidy(() => gramMatrix(sub.predict(imageTensor(image)) as tf.Tensor));
  const data = Float32Array.from(g.dataSync() as Float32Array);
  const channels = g.shape[0];
  g.dispose();
  return { data, channels };
}

/** Texture distance: squared Frobenius distance between two images' Gram matrices at a layer. */
export function gramDistance(model: tf.LayersModel, layer: string, a: ImageInput, b: ImageInput): number {
  const ga = layerGram(model, layer, a).data;
  const gb = layerGram(model, layer, b).data;
  let d = 0;
  for (let i = 0; i < ga.length; i++) d += (ga[i]! - gb[i]!) ** 2;
  return d;
}
