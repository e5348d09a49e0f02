// Streaming explanation maps to the viewer (play/server): its handle's `overlay(values, w, h)`
// draws a per-pixel float map over the agent's current frame.
import type * as tf from '@tensorflow/tfjs';
import type { ImageInput } from './input.js';
import { normalizeMap, type FloatMap } from './map.js';
import { occlusionMap, type OcclusionOptions } from './occlusion.js';
import { guidedBackprop, vanillaSaliency } from './saliency.js';

/** What `sendExplanation` needs of a viewer (play/server's ViewerHandle has it). */
export interface OverlaySink {
  overlay(values: ArrayLike<number>, width: number, height: number): void;
}

export type LiveMethod = 'saliency' | 'guided' | 'occlusion';

export const LIVE_METHODS: readonly LiveMethod[] = ['saliency', 'guided', 'occlusion'];

/** One map of `method` for an observation and output `target` (e.g. the greedy action's Q-value). */
export function explainMap(method: LiveMethod, model: tf.LayersModel, image: ImageInput, target: number, occlusion: OcclusionOptions = {}): FloatMap {
  switch (method) {
    case 'saliency':
      return vanillaSaliency(model, image, target);
    case 'guided':
      return guidedBackprop(model, image, target);
    case 'occlusion':
      return occlusionMap(model, image, target, occlusion);
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
