// Semantic segmentation with a fully convolutional encoder–decoder (cs231n ch. 10.1; Long et al. 2015,
// "Fully Convolutional Networks for Semantic Segmentation"; Noh et al. 2015 for the learned up-sampling):
// strided 3×3 convs down-sample, transposed convs up-sample back to the input size, and a 1×1 conv
// scores every pixel; trained with per-pixel softmax cross-entropy. Each up-sampled map is added to the
// encoder map of the same size (skips by addition as in LinkNet, Chaurasia & Culurciello 2017: the
// coarse path knows what, the skip where; addition is cheaper than concatenation on wasm).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel } from '../../io.js';
import { applyLayer, convBlock, initializer, inputOf } from '../../modules/layers.js';
import { uniqueLayerName } from '../../modules/naming.js';
import { seedStream } from '../../modules/seeds.js';
import { makeOptimizer, setLearningRate } from '../../optim/config.js';
import { checkFrameShape, checkFrames, frameBatch, type FrameShape } from '../detection/imageBatch.js';
import { readVisionModelJson, writeVisionModelJson } from '../detection/modelFiles.js';
import { optimizeStep } from '../detection/optimizeStep.js';

export interface SegmenterConfig {
  /** [height, width, channels] of the uint8 frames; height and width divisible by 2^encoderFilters.length. Default [40, 40, 3]. */
  inputShape: readonly [number, number, number];
  /** Classes per pixel, background (label 0) included. */
  numClasses: number;
  /** Names of the classes, label order. Default 'background', 'class1', … */
  classNames: readonly string[];
  /** Channels of the full-resolution 3×3 conv before down-sampling. Default 16. */
  stemFilters: number;
  /** Channels of each 3×3 stride-2 down-sampling conv (the decoder mirrors them). Default [32, 32]. */
  encoderFilters: readonly number[];
  /** Add encoder maps to the decoder's maps of the same size. Default true. */
  skipConnections: boolean;
  /** Per-class weights of the pixel loss (e.g. to up-weight small objects); null = all 1. Default null. */
  classWeights: readonly number[] | null;
  /** Adam learning rate. Default 5e-3. */
  learningRate: number;
  seed: number;
}

export const segmenterDefaults: Omit<SegmenterConfig, 'numClasses' | 'classNames'> = {
  inputShape: [40, 40, 3],
  stemFilters: 16,
  encoderFilters: [32, 32],
  skipConnections: true,
  classWeights: null,
  learningRate: 5e-3,
  seed: 0,
};

export type SegmenterSettings = Partial<SegmenterConfig> & { numClasses: number };

function resolve(settings: SegmenterSettings): SegmenterConfig {
  const c: SegmenterConfig = {
    ...segmenterDefaults,
    classNames: ['background', ...Array.from({ length: Math.max(0, settings.numClasses - 1) }, (_, i) => `class${i + 1}`)],
    ...settings,
  };
  const [h, w] = checkFrameShape(c.inputShape, 'Segmenter');
  if (!(Number.isInteger(c.numClasses) && c.numClasses >= 2)) throw new RangeError(`Segmenter: numClasses must be an integer >= 2 (background included), got ${c.numClasses}`);
  if (c.classNames.length !== c.numClasses) throw new RangeError(`Segmenter: ${c.classNames.length} classNames for ${c.numClasses} classes`);
  if (!(Number.isInteger(c.stemFilters) && c.stemFilters > 0)) throw new RangeError(`Segmenter: stemFilters must be a positive integer, got ${c.stemFilters}`);
  if (c.encoderFilters.length === 0 || c.encoderFilters.some((f) => !(Number.isInteger(f) && f > 0))) {
    throw new RangeError(`Segmenter: encoderFilters must be positive integers, got [${c.encoderFilters.join(', ')}]`);
  }
  const factor = 2 ** c.encoderFilters.length;
  if (h % factor !== 0 || w % factor !== 0) {
    throw new RangeError(`Segmenter: height and width (${h}×${w}) must be divisible by ${factor} for ${c.encoderFilters.length} down-sampling stages`);
  }
  if (c.classWeights !== null && (c.classWeights.length !== c.numClasses || c.classWeights.some((v) => !(Number.isFinite(v) && v >= 0)))) {
    throw new RangeError(`Segmenter: classWeights must be ${c.numClasses} finite numbers >= 0`);
  }
  if (!(Number.isFinite(c.learningRate) && c.learningRate > 0)) throw new RangeError(`Segmenter: learningRate must be positive, got ${c.learningRate}`);
  return c;
}

function buildModel(c: SegmenterConfig): tf.LayersModel {
  const seed = seedStream(c.seed);
  const input = inputOf([...c.inputShape]);
  const conv = (filters: number, strides: number) => convBlock({ filters, kernelSize: 3, strides, padding: 'same', activation: 'relu', init: 'heNormal', seed: seed() });
  // Encoder: the stem at full size, then one map per halving.
  const encoder: tf.SymbolicTensor[] = [conv(c.stemFilters, 1)(input)];
  for (const filters of c.encoderFilters) encoder.push(conv(filters, 2)(encoder[encoder.length - 1]!));
  // Decoder: double the size back with a transposed conv whose channels match the skip it meets.
  let h = encoder[encoder.length - 1]!;
  for (let i = encoder.length - 2; i >= 0; i--) {
    const skip = encoder[i]!;
    h = applyLayer(
      tf.layers.conv2dTranspose({
        filters: skip.shape[3] as number,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: c.skipConnections ? 'linear' : 'relu',
        kernelInitializer: initializer('heNormal', seed()),
        name: uniqueLayerName('up_conv'),
      }),
      h,
    );
    if (c.skipConnections) {
      h = applyLayer(tf.layers.add({ name: uniqueLayerName('skip_add') }), [h, skip]);
      h = applyLayer(tf.layers.activation({ activation: 'relu', name: uniqueLayerName('relu') }), h);
    }
  }
  const logits = convBlock({ filters: c.numClasses, kernelSize: 1, init: 'glorotUniform', seed: seed(), name: uniqueLayerName('pixel_logits') })(h);
  return tf.model({ inputs: input, outputs: logits, name: uniqueLayerName('segmenter') });
}

export interface SegmenterLosses {
  /** Mean (weighted) per-pixel cross-entropy. */
  total: number;
}

/** Labels every pixel of uint8 HWC frames of `config.inputShape` with a class in [0, numClasses). */
export class Segmenter {
  readonly config: SegmenterConfig;
  readonly model: tf.LayersModel;
  private readonly shape: FrameShape;
  private readonly optimizer: tf.Optimizer;

  constructor(settings: SegmenterSettings, model?: tf.LayersModel) {
    this.config = resolve(settings);
    this.shape = checkFrameShape(this.config.inputShape, 'Segmenter');
    this.model = model ?? buildModel(this.config);
    this.optimizer = makeOptimizer({ type: 'adam', learningRate: this.config.learningRate });
  }

  get numClasses(): number {
    return this.config.numClasses;
  }

  get classNames(): readonly string[] {
    return this.config.classNames;
  }

  /** [height, width, channels] of the frames it takes. */
  get inputShape(): FrameShape {
    return this.shape;
  }

  /** One Adam step: `labels[i]` holds a class per pixel of `frames[i]` (height × width bytes). */
  trainStep(frames: readonly Uint8Array[], labels: readonly Uint8Array[]): SegmenterLosses {
    checkFrames(frames, this.shape, 'Segmenter.trainStep');
    const [h, w] = this.shape;
    const k = this.config.numClasses;
    const pixels = h * w;
    if (labels.length !== frames.length) throw new RangeError(`Segmenter.trainStep: ${frames.length} frames but ${labels.length} label maps`);
    const onehot = new Float32Array(frames.length * pixels * k);
    const weights = new Float32Array(frames.length * pixels);
    const cw = this.config.classWeights;
    let weightSum = 0;
    labels.forEach((map, i) => {
      if (!map || map.length !== pixels) throw new RangeError(`Segmenter.trainStep: label map ${i} must hold ${pixels} values, got ${map?.length}`);
      for (let p = 0; p < pixels; p++) {
        const label = map[p]!;
        if (label >= k) throw new RangeError(`Segmenter.trainStep: label ${label} at pixel ${p} of map ${i} is outside [0, ${k})`);
        const j = i * pixels + p;
        onehot[j * k + label] = 1;
        const wgt = cw ? cw[label]! : 1;
        weights[j] = wgt;
        weightSum += wgt;
      }
    });
    const n = frames.length * pixels;
    const inputs = tf.tidy(() => ({ x: frameBatch(frames, this.shape), y: tf.tensor2d(onehot, [n, k]), w: tf.tensor1d(weights) }));
    const vars = this.model.trainableWeights.map((v) => v.read() as tf.Variable);
    try {
      const [total] = optimizeStep(this.optimizer, vars, () => {
        const logits = tf.reshape(this.model.apply(inputs.x, { training: true }) as tf.Tensor, [n, k]);
        const ce = tf.neg(tf.sum(tf.mul(inputs.y, tf.logSoftmax(logits)), -1));
        return [tf.div(tf.sum(tf.mul(ce, inputs.w)), Math.max(weightSum, 1e-12)) as tf.Scalar];
      });
      return { total: total! };
    } finally {
      tf.dispose(inputs);
    }
  }

  /** Changes the Adam learning rate (for schedules); the optimizer's moments are kept. */
  setLearningRate(learningRate: number): void {
    if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new RangeError(`Segmenter.setLearningRate: must be positive, got ${learningRate}`);
    setLearningRate(this.optimizer, learningRate);
  }

  /** The most likely class of every pixel, one height × width map per frame. */
  segment(frames: readonly Uint8Array[]): Uint8Array[] {
    checkFrames(frames, this.shape, 'Segmenter.segment');
    const [h, w] = this.shape;
    const pixels = h * w;
    const labels = tf.tidy(() => tf.argMax(this.model.predict(frameBatch(frames, this.shape)) as tf.Tensor, -1).dataSync());
    return frames.map((_, i) => Uint8Array.from(labels.subarray(i * pixels, (i + 1) * pixels)));
  }

  async save(dir: string): Promise<void> {
    await saveModel(this.model, join(dir, 'model'));
    writeVisionModelJson(dir, 'segmenter', this.config);
  }

  static async load(dir: string): Promise<Segmenter> {
    const config = resolve(readVisionModelJson(dir, 'segmenter') as unknown as SegmenterConfig);
    const expect = buildModel(config);
    try {
      return new Segmenter(config, await loadModel(join(dir, 'model'), { expect }));
    } finally {
      expect.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
