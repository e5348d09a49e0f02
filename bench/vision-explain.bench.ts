// Milliseconds per frame of each explanation method on an agent-sized network: the Nature CNN
// (Q-head of 6 actions) on 84×84×4 inputs, wasm back end. Writes bench/results/vision.json,
// section 'explain'. Median of REPS calls after one warm-up; gradient-ascent methods are reported
// per optimization step as well.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../envs/rng.js';
import { selectBackend } from '../nets/backend.js';
import { natureCnn } from '../nets/modules/natureCnn.js';
import {
  activationMaps,
  convLayerNames,
  deepDream,
  guidedBackprop,
  invertFeatures,
  layerGram,
  occlusionMap,
  vanillaSaliency,
  visualizeTarget,
  type ImageInput,
} from '../nets/vision/explain/index.js';
import { median, writeResults } from './util.js';

const REPS = 5;
const STEPS = 5;

function time(fn: () => void): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

async function main(): Promise<void> {
  const backend = await selectBackend('wasm');
  const model = natureCnn({ inputShape: [84, 84, 4], numActions: 6, seed: 1 });
  const rng = new Rng(0);
  const data = new Float32Array(84 * 84 * 4);
  for (let i = 0; i < data.length; i++) data[i] = rng.random();
  const image: ImageInput = { data, shape: [84, 84, 4] };
  const [c1, , c3] = convLayerNames(model);
  const before = tf.memory().numTensors;
  const ms: Record<string, number> = {
    saliency: time(() => vanillaSaliency(model, image, 0)),
    guidedBackprop: time(() => guidedBackprop(model, image, 0)),
    occlusion_patch12_stride6: time(() => occlusionMap(model, image, 0, { patch: 12, stride: 6 })),
    activationMaps: time(() => activationMaps(model, c1!, image)),
    gram_conv3: time(() => layerGram(model, c3!, image)),
    classVisualization_perStep: time(() => visualizeTarget(model, { kind: 'output', index: 0 }, [84, 84, 4], { steps: STEPS })) / STEPS,
    deepDream_perStep: time(() => deepDream(model, c3!, image, { steps: STEPS })) / STEPS,
    featureInversion_perStep: time(() => invertFeatures(model, c3!, image, { steps: STEPS })) / STEPS,
  };
  const leaked = tf.memory().numTensors - before;
  model.dispose();
  for (const [k, v] of Object.entries(ms)) console.log(`${k.padEnd(30)} ${v.toFixed(1)} ms`);
  const path = writeResults('vision.json', 'explain', { backend, network: 'natureCnn 84x84x4, 6 actions', reps: REPS, msPerFrame: ms, tensorsLeaked: leaked });
  console.log(`wrote ${path}`);
}

await main();
