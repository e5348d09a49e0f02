// Network specs the agents' configs name, and the encoders they build (from nets/modules blocks),
// including a pretrained encoder: a user's model or one saved with nets/io (transfer learning).
import { isAbsolute, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel } from '../nets/io.js';
import { compose, convBlock, denseBlock, flattenBlock, inputOf, rescaleBlock } from '../nets/modules/layers.js';
import { fuseDenseStacks } from '../nets/kernels/dense_stack_model.js';
import { minatarCnnBlock } from '../nets/modules/minatarCnn.js';
import { mlpBlock } from '../nets/modules/mlp.js';
import { natureCnnBlock, natureCnnConvs } from '../nets/modules/natureCnn.js';
import { uniqueLayerName } from '../nets/modules/naming.js';
import type { Block } from '../nets/modules/types.js';
import { freeze, unfreeze } from '../nets/weights.js';
import type { ObsInfo } from './common.js';

/**
 * A pretrained encoder (obs → features) for an agent to build its heads on. Each network the agent
 * builds (online, target, a separate value encoder) gets its own copy of it; the source model itself
 * is never trained or changed. Its input must have the observation's shape (after preprocessing);
 * uint8 frames reach it scaled to [0, 1], as with the built-in encoders. Features of rank > 2 are
 * flattened.
 */
export interface PretrainedEncoderSpec {
  type: 'pretrained';
  /** A tf.LayersModel, or a directory saved with nets/io `saveModel` (loaded by createRun, loadAgent, fromSaved or `loadEncoderSources`). */
  source: tf.LayersModel | string;
  /** true: the encoder's weights stay fixed and only the heads learn; false: fine-tune it too. */
  freeze: boolean;
  /**
   * Dense ReLU layers (units each) between the encoder's features and the heads, always trainable
   * (default none). A frozen encoder's features are what its pretraining task needed; a head that is
   * linear in them may not be able to express the values, a hidden layer can.
   */
  hidden?: number[];
}

/**
 * The feature encoder of an agent's network.
 * - mlp: hidden dense layers (flat inputs; images are flattened).
 * - natureCnn: Mnih et al. 2015 (3 convs, dense 512); needs at least 36×36 inputs.
 * - minatarCnn: Young & Tian 2019 (one 16×3×3 conv, dense 128).
 * - smallCnn: a few strided convs and one dense layer, for small pixel frames.
 * - pretrained: a model trained elsewhere, frozen or fine-tuned (see PretrainedEncoderSpec).
 * uint8 image inputs are scaled by 1/255 first.
 */
export type NetworkSpec =
  | { type: 'mlp'; hiddenSizes: number[]; activation: 'relu' | 'tanh' }
  | { type: 'natureCnn' }
  | { type: 'minatarCnn'; featureSize: number }
  | { type: 'smallCnn'; filters: number[]; kernelSizes: number[]; strides: number[]; hidden: number }
  | PretrainedEncoderSpec;

export type NetworkType = NetworkSpec['type'];

const NETWORK_TYPES: readonly NetworkType[] = ['mlp', 'natureCnn', 'minatarCnn', 'smallCnn', 'pretrained'];

export function isPretrainedSpec(spec: unknown): spec is PretrainedEncoderSpec {
  return typeof spec === 'object' && spec !== null && (spec as { type?: unknown }).type === 'pretrained';
}

/** Whether `v` is a list of layer widths (positive integers). */
function isUnitList(v: unknown): boolean {
  return Array.isArray(v) && v.every((h) => Number.isInteger(h) && h > 0);
}

function checkPretrainedSpec(spec: PretrainedEncoderSpec, obs: ObsInfo, where: string): void {
  if (typeof spec.freeze !== 'boolean') throw new Error(`${where}: network.freeze must be true or false, got ${JSON.stringify(spec.freeze)}`);
  if (typeof spec.source === 'string')
    throw new Error(`${where}: the pretrained encoder '${spec.source}' is not loaded; createRun, loadAgent and fromSaved load it, or call loadEncoderSources(config) first`);
  if (!(spec.source instanceof tf.LayersModel)) throw new Error(`${where}: network.source must be a tf.LayersModel or a saved model directory`);
  const model = spec.source;
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new Error(`${where}: the pretrained encoder '${model.name}' must have one input and one output, it has ${model.inputs.length} and ${model.outputs.length}`);
  const takes = model.inputs[0]!.shape.slice(1);
  if (takes.length !== obs.shape.length || takes.some((d, i) => d !== null && d !== obs.shape[i]))
    throw new Error(
      `${where}: the pretrained encoder '${model.name}' takes inputs [${takes.join(', ')}], but the observations are [${obs.shape.join(', ')}] (after preprocessing)`,
    );
  if (model.outputs[0]!.shape.length < 2) throw new Error(`${where}: the pretrained encoder '${model.name}' must output [batch, features]`);
  if (spec.hidden !== undefined && !isUnitList(spec.hidden))
    throw new Error(`${where}: network.hidden must be a list of positive integers (units per layer), got ${JSON.stringify(spec.hidden)}`);
}

export function checkNetworkSpec(spec: NetworkSpec, obs: ObsInfo, where: string): void {
  const type = (spec as { type?: unknown })?.type;
  if (!NETWORK_TYPES.includes(type as NetworkType))
    throw new Error(`${where}: network.type must be one of ${NETWORK_TYPES.join(', ')}; got ${JSON.stringify(type)}`);
  if (spec.type === 'pretrained') return checkPretrainedSpec(spec, obs, where);
  if (spec.type !== 'mlp' && obs.shape.length !== 3)
    throw new Error(`${where}: network '${spec.type}' needs image observations [H, W, C], got shape [${obs.shape.join(', ')}] (use an mlp)`);
  if (spec.type === 'smallCnn') {
    const n = spec.filters.length;
    if (n === 0 || spec.kernelSizes.length !== n || spec.strides.length !== n)
      throw new Error(`${where}: smallCnn needs filters, kernelSizes and strides of equal non-zero length`);
  }
  // 'valid' convolutions shrink the frame; too small a frame would give empty feature maps (and wasm
  // reads out of bounds), so say so before any layer is built.
  if (spec.type === 'natureCnn' || spec.type === 'smallCnn') {
    const kernels = spec.type === 'natureCnn' ? natureCnnConvs.map((c) => c.kernelSize) : spec.kernelSizes;
    const strides = spec.type === 'natureCnn' ? natureCnnConvs.map((c) => c.strides) : spec.strides;
    let [h, w] = [obs.shape[0]!, obs.shape[1]!];
    kernels.forEach((k, i) => {
      h = Math.floor((h - k) / strides[i]!) + 1;
      w = Math.floor((w - k) / strides[i]!) + 1;
    });
    if (h < 1 || w < 1)
      throw new Error(
        `${where}: network '${spec.type}' is too deep for ${obs.shape[0]}×${obs.shape[1]} frames (its convolutions leave no pixels; natureCnn needs at least 36×36): resize the frames or use smallCnn/mlp`,
      );
  }
  if (spec.type === 'mlp' && !isUnitList(spec.hiddenSizes))
    throw new Error(`${where}: network.hiddenSizes must be positive integers, got ${JSON.stringify(spec.hiddenSizes)}`);
}

/** The encoder as a block over a [batch, ...obs.shape] input; it ends in a [batch, features] tensor. */
export function encoderBlock(spec: NetworkSpec, obs: ObsInfo, seed: number): Block {
  const scale = obs.image ? 1 / 255 : undefined;
  switch (spec.type) {
    case 'mlp':
      return compose(rescaleBlock(scale), flattenBlock(), mlpBlock({ hiddenSizes: spec.hiddenSizes, activation: spec.activation, seed }));
    case 'natureCnn':
      return natureCnnBlock({ inputScale: scale, seed });
    case 'minatarCnn':
      return compose(rescaleBlock(scale), minatarCnnBlock({ featureSize: spec.featureSize, seed }));
    case 'smallCnn': {
      const blocks: Block[] = [rescaleBlock(scale)];
      spec.filters.forEach((filters, i) => {
        blocks.push(convBlock({ filters, kernelSize: spec.kernelSizes[i]!, strides: spec.strides[i]!, activation: 'relu', seed: seed + i + 1 }));
      });
      blocks.push(flattenBlock(), denseBlock({ units: spec.hidden, activation: 'relu', seed: seed + 100 }));
      return compose(...blocks);
    }
    case 'pretrained': {
      const source = spec.source;
      if (!(source instanceof tf.LayersModel)) throw new Error(`pretrained encoder '${String(source)}' is not loaded (see loadEncoderSources)`);
      const hidden = (spec.hidden ?? []).map((units, i) => denseBlock({ units, activation: 'relu', seed: seed + 200 + i }));
      return compose(
        rescaleBlock(scale),
        (x) => {
          // A copy per network built: a target net or a value encoder must not share its weights.
          const copy = copyEncoder(source, spec.freeze);
          const features = copy.apply(x) as tf.SymbolicTensor;
          return features.shape.length > 2 ? flattenBlock()(features) : features;
        },
        ...hidden,
      );
    }
  }
}

// ------------------------------------------------------------------------------ pretrained encoders

/** Layers that own weights, nested models walked in order (the same order in a model and its copy). */
function weightedLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.flatMap((l) => (l instanceof tf.LayersModel ? weightedLayers(l) : l.weights.length > 0 ? [l] : []));
}

/** Replaces every string in `value` that names a layer by its new name (layer names are referenced by string in a model config). */
function renameStrings(value: unknown, names: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return names.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => renameStrings(v, names));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renameStrings(v, names)]));
  return value;
}

function layerNames(model: tf.LayersModel): string[] {
  return model.layers.flatMap((l) => (l instanceof tf.LayersModel ? [l.name, ...layerNames(l)] : [l.name]));
}

/**
 * A copy of `source` (architecture and weights) with fresh layer names, so two copies fit in one model
 * and save without duplicate weight names; frozen (non-trainable) or trainable as asked.
 */
export function copyEncoder(source: tf.LayersModel, frozen: boolean): tf.LayersModel {
  const names = new Map<string, string>();
  for (const name of [source.name, ...layerNames(source)]) if (!names.has(name)) names.set(name, uniqueLayerName(name.replace(/_\d+$/, '') || 'layer'));
  const config = renameStrings(source.getConfig(), names) as tf.serialization.ConfigDict;
  const cls = source instanceof tf.Sequential ? tf.Sequential : tf.LayersModel;
  const copy = cls.fromConfig(cls, config) as tf.LayersModel;
  const from = weightedLayers(source);
  const to = weightedLayers(copy);
  if (from.length !== to.length) {
    copy.dispose();
    throw new Error(`copyEncoder: the copy of ${source.name} has ${to.length} weighted layers, the source ${from.length}`);
  }
  tf.tidy(() => from.forEach((layer, i) => to[i]!.setWeights(layer.getWeights())));
  if (frozen) freeze(copy);
  else unfreeze(copy);
  return copy;
}

/** Models `loadEncoderSources` loaded: the agent built on them disposes them (`disposeLoadedSources`). */
const loadedSources = new WeakSet<tf.LayersModel>();

/** Config keys whose value is a pretrained encoder spec (network, valueNetwork, …). */
function pretrainedKeys(config: object): string[] {
  return Object.entries(config).filter(([, v]) => isPretrainedSpec(v)).map(([k]) => k);
}

/**
 * `config` with every pretrained encoder given as a directory loaded as a model. Relative paths are
 * read from `baseDir` (default: the working directory). A config without such paths comes back as is.
 */
export async function loadEncoderSources<C extends object>(config: C, baseDir = process.cwd()): Promise<C> {
  const keys = pretrainedKeys(config).filter((k) => typeof (config as Record<string, PretrainedEncoderSpec>)[k]!.source === 'string');
  if (keys.length === 0) return config;
  const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const k of keys) {
    const spec = out[k] as PretrainedEncoderSpec;
    const dir = isAbsolute(spec.source as string) ? (spec.source as string) : resolve(baseDir, spec.source as string);
    let model: tf.LayersModel;
    try {
      model = await loadModel(dir);
    } catch (err) {
      throw new Error(`${k}: cannot load the pretrained encoder: ${(err as Error).message}`);
    }
    loadedSources.add(model);
    out[k] = { ...spec, source: model };
  }
  return out as C;
}

/**
 * `config` as JSON can hold it: each pretrained encoder (its pretrained weights, before any training)
 * is saved to `dir`/encoder-<key> and named by that relative path, which `loadEncoderSources(config, dir)` reads.
 */
export async function saveEncoderSources<C extends object>(config: C, dir: string): Promise<C> {
  const keys = pretrainedKeys(config);
  if (keys.length === 0) return config;
  const out: Record<string, unknown> = { ...(config as Record<string, unknown>) };
  for (const k of keys) {
    const spec = out[k] as PretrainedEncoderSpec;
    if (!(spec.source instanceof tf.LayersModel)) throw new Error(`${k}: the pretrained encoder '${String(spec.source)}' is not loaded`);
    const name = `encoder-${k}`;
    await saveModel(spec.source, join(dir, name));
    const saved: PretrainedEncoderSpec = { type: 'pretrained', source: name, freeze: spec.freeze };
    if (spec.hidden !== undefined) saved.hidden = [...spec.hidden];
    out[k] = saved;
  }
  return out as C;
}

/** Disposes the encoder models `loadEncoderSources` loaded for `config` (an agent's dispose calls this). */
export function disposeLoadedSources(config: object): void {
  for (const k of pretrainedKeys(config)) {
    const source = (config as Record<string, PretrainedEncoderSpec>)[k]!.source;
    if (source instanceof tf.LayersModel && loadedSources.has(source)) {
      loadedSources.delete(source);
      source.dispose();
    }
  }
}

/** A model from the observation input through `block` to the outputs `heads` make of the features. */
export function buildModel(obs: ObsInfo, body: Block, heads: (features: tf.SymbolicTensor) => tf.SymbolicTensor[], name: string): tf.LayersModel {
  const input = inputOf(obs.shape);
  const outputs = heads(body(input));
  const model = tf.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0]! : outputs, name: uniqueLayerName(name) });
  // Chains of dense layers run as one fused kernel on wasm (weights and saved format unchanged).
  return fuseDenseStacks(model, { backends: ['wasm'] });
}

/** True when every layer is one `compileDenseForward` handles (no convolutions, no recurrence). */
export function isDenseModel(model: tf.LayersModel): boolean {
  const ok = new Set(['InputLayer', 'Dense', 'Activation', 'ReLU', 'Flatten', 'Dropout', 'Rescaling', 'PixelgymDuelingCombine', 'PixelgymLogStdParameter']);
  const check = (m: tf.LayersModel): boolean => m.layers.every((l) => (l instanceof tf.LayersModel ? check(l) : ok.has(l.getClassName())));
  return check(model);
}
