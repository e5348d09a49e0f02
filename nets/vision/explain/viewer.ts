// Streaming explanation maps to the viewer (play/server): its handle's `overlay(values, w, h)`
// draws a per-pixel float map over the agent's current frame, and `liveExplainer` is what the
// viewer's watch mode calls for every frame it explains.
import * as tf from '@tensorflow/tfjs';
import { attentionMap } from './attention.js';
import { checkImage, checkModelFor, imageTensor, type ImageInput } from './input.js';
import { normalizeMap, type FloatMap } from './map.js';
import { occlusionMap, type OcclusionOptions } from './occlusion.js';
import { guidedBackprop, vanillaSaliency } from './saliency.js';

/** What `sendExplanation` needs of a viewer (play/server's ViewerHandle has it). */
export interface OverlaySink {
  overlay(values: ArrayLike<number>, width: number, height: number): void;
}

/**
 * Per-frame methods. saliency, guided and occlusion explain one output (the chosen action's score);
 * attention (activation-based, see attention.ts) shows where the last conv layer fires and ignores
 * the target.
 */
export type LiveMethod = 'saliency' | 'guided' | 'occlusion' | 'attention';

export const LIVE_METHODS: readonly LiveMethod[] = ['saliency', 'guided', 'occlusion', 'attention'];

/** One map of `method` for an observation and output `target` (e.g. the greedy action's Q-value). */
export function explainMap(method: LiveMethod, model: tf.LayersModel, image: ImageInput, target: number, occlusion: OcclusionOptions = {}): FloatMap {
  switch (method) {
    case 'saliency':
      return vanillaSaliency(model, image, target);
    case 'guided':
      return guidedBackprop(model, image, target);
    case 'occlusion':
      return occlusionMap(model, image, target, occlusion);
    case 'attention':
      return attentionMap(model, image);
  }
}

/**
 * Computes the map for the observation the viewer is showing and sends it, normalized to [0, 1]
 * (negative occlusion drops become 0 after normalization's shift only if they are the minimum).
 * Returns the map sent.
 */
export function sendExplanation(sink: OverlaySink, method: LiveMethod, model: tf.LayersModel, image: ImageInput, target: number): FloatMap {
  const m = normalizeMap(explainMap(method, model, image, target));
  sink.overlay(m.data, m.width, m.height);
  return m;
}

/** The index of the largest output of `model` for `image` (the greedy action of a Q or logits net). */
export function greedyOutput(model: tf.LayersModel, image: ImageInput): number {
  const t = tf.tidy(() => tf.argMax(tf.reshape(model.predict(imageTensor(image)) as tf.Tensor, [-1])));
  const k = (t.dataSync() as Int32Array)[0]!;
  t.dispose();
  return k;
}

/** `method` as a LiveMethod, or a clear error naming `where` and the methods there are. */
export function checkLiveMethod(method: unknown, where: string): LiveMethod {
  if (!LIVE_METHODS.includes(method as LiveMethod)) throw new Error(`${where} must be one of ${LIVE_METHODS.join(', ')}, got '${String(method)}'`);
  return method as LiveMethod;
}

/**
 * An observation → overlay function for the viewer's watch mode (startViewer's `overlay` option):
 * the `method` map of `model` for the observation, explaining output `target` (the agent's chosen
 * action, 0-based) or, when the caller does not know it, the model's largest output. Maps are
 * normalized to [0, 1]. The model must take the observation as it is ([h, w, c] pixels).
 */
export function liveExplainer(model: tf.LayersModel, method: LiveMethod, opts: { occlusion?: OcclusionOptions } = {}): (observation: unknown, target: number | null) => FloatMap {
  checkLiveMethod(method, 'liveExplainer: method');
  const shape = model.inputs[0]!.shape.slice(1);
  if (shape.length !== 3 || shape.some((d) => d === null)) throw new Error(`liveExplainer: the network takes [${shape.join(', ')}], not [h, w, c] images`);
  const imageShape = shape as [number, number, number];
  checkModelFor(model, imageShape, 'liveExplainer');
  return (observation, target) => {
    if (!ArrayBuffer.isView(observation) && !Array.isArray(observation)) throw new TypeError('liveExplainer: the observation is not an array of pixels');
    const image: ImageInput = { data: observation as ArrayLike<number>, shape: imageShape };
    checkImage(image, 'liveExplainer');
    return normalizeMap(explainMap(method, model, image, target ?? greedyOutput(model, image), opts.occlusion ?? {}));
  };
}
