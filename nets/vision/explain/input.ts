// Inputs of the explanation methods: one image or a batch, as plain arrays (HWC, row-major), so
// callers never own tensors. Also the sub-model that exposes a named layer's activations.
import * as tf from '@tensorflow/tfjs';

/** One image: height × width × channels values, row-major (an observation after preprocessing). */
export interface ImageInput {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [number, number, number];
}

/** A batch of images [n, h, w, c]. */
export interface ImageBatch {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

export function checkImage(x: ImageInput, what: string): void {
  const [h, w, c] = x.shape;
  if (![h, w, c].every((d) => Number.isInteger(d) && d > 0)) throw new RangeError(`${what}: bad image shape [${x.shape.join(', ')}]`);
  if (x.data.length !== h * w * c) throw new RangeError(`${what}: ${x.data.length} values for shape [${x.shape.join(', ')}]`);
}

/** The image as a float32 [1, h, w, c] tensor (the caller disposes it or calls inside tf.tidy). */
export function imageTensor(x: ImageInput): tf.Tensor4D {
  const data = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
  return tf.tensor4d(data, [1, x.shape[0], x.shape[1], x.shape[2]]);
}

/** Checks that the model takes images of this shape and has one output. */
export function checkModelFor(model: tf.LayersModel, shape: readonly number[], what: string): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error(`${what}: the model must have one input and one output`);
  const s = model.inputs[0]!.shape.slice(1);
  if (s.length !== shape.length || s.some((d, i) => d !== null && d !== shape[i])) {
    throw new Error(`${what}: the model takes [${s.join(', ')}], the image is [${shape.join(', ')}]`);
  }
}

// Sub-models share the parent's layers and weights and hold no tensors of their own; they are
// cached per model so repeated calls do not rebuild graphs (and never disposed: disposing one would
// release the shared layers' weights).
const subModels = new WeakMap<tf.LayersModel, Map<string, tf.LayersModel>>();

/** A model from `model`'s input to the output of its layer `layerName`. */
export function layerModel(model: tf.LayersModel, layerName: string): tf.LayersModel {
  let byName = subModels.get(model);
  if (!byName) subModels.set(model, (byName = new Map()));
  const known = byName.get(layerName);
  if (known) return known;
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    throw new Error(`no layer '${layerName}' in ${model.name}; layers: ${model.layers.map((l) => l.name).join(', ')}`);
  }
  const out = layer.output;
  if (Array.isArray(out)) throw new Error(`layer '${layerName}' has several outputs`);
  const sub = tf.model({ inputs: model.inputs, outputs: out, name: `${model.name}_to_${layerName}` });
  byName.set(layerName, sub);
  return sub;
}

/** Names of the model's conv layers, first to last (handy defaults for the layer-based methods). */
export function convLayerNames(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
}
