// A small convolutional classifier (cs231n ch. 6: CNNs; ch. 6.7: its conv trunk is what transfers).
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../envs/rng.js';
import { compose, convBlock, denseBlock, dropoutBlock, flattenBlock, inputOf } from '../../modules/layers.js';
import { uniqueLayerName } from '../../modules/naming.js';
import { seedStream } from '../../modules/seeds.js';
import type { Activation, Block, ImageShape } from '../../modules/types.js';
import { makeOptimizer } from '../../optim/config.js';
import { gatherRows, minibatches } from './batching.js';
import type { Classifier, FitSummary } from './classifier.js';
import { checkLabeled, imageCount, type LabeledImages } from './labeled.js';
import { softmaxLoss } from './losses.js';

/** One convolution of the trunk (valid padding). */
export interface ConvLayerSpec {
  filters: number;
  kernelSize: number;
  /** Default 1. */
  strides?: number;
}

/** The classifier head on the trunk's features: hidden dense layers, dropout, then class scores. */
export interface CnnHeadConfig {
  /** Hidden layer sizes (relu). Default [] (a linear classifier on the features). */
  hidden?: number[];
  /** Dropout before the score layer. Default 0. */
  dropout?: number;
}

export interface CnnClassifierConfig {
  /** Default two convs: 8 3×3 stride 2, 16 3×3 stride 1 (sized for 21×21 to 42×42 frames). */
  convs?: ConvLayerSpec[];
  /** Width of the trunk's last (dense, relu) layer: the features an agent would reuse. Default 64. */
  features?: number;
  head?: CnnHeadConfig;
  /** Trunk nonlinearity. Default 'relu'. */
  activation?: Activation;
  /** Adam step size. Default 1e-3. */
  learningRate?: number;
  /** L2 penalty λ·ΣW² on the kernels. Default 0. */
  weightDecay?: number;
  /** Default 10. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Seeds the initial weights and the batch order. Default 0. */
  seed?: number;
}

export const cnnClassifierDefaults = {
  convs: [
    { filters: 8, kernelSize: 3, strides: 2 },
    { filters: 16, kernelSize: 3, strides: 1 },
  ] as ConvLayerSpec[],
  features: 64,
  head: { hidden: [] as number[], dropout: 0 },
  activation: 'relu' as Activation,
  learningRate: 1e-3,
  weightDecay: 0,
  epochs: 10,
  batchSize: 32,
  seed: 0,
};

export type ResolvedCnnConfig = typeof cnnClassifierDefaults;

function posInt(v: unknown, what: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`CnnClassifier: ${what} must be a positive integer, got ${String(v)}`);
}

export function resolveCnnConfig(config: CnnClassifierConfig = {}): ResolvedCnnConfig {
  const c: ResolvedCnnConfig = {
    ...cnnClassifierDefaults,
    ...config,
    convs: (config.convs ?? cnnClassifierDefaults.convs).map((l) => ({ strides: 1, ...l })),
    head: { hidden: config.head?.hidden ?? [], dropout: config.head?.dropout ?? 0 },
  };
  if (c.convs.length === 0) throw new RangeError('CnnClassifier: convs must list at least one convolution');
  c.convs.forEach((l, i) => {
    posInt(l.filters, `convs[${i}].filters`);
    posInt(l.kernelSize, `convs[${i}].kernelSize`);
    posInt(l.strides, `convs[${i}].strides`);
  });
  posInt(c.features, 'features');
  c.head.hidden.forEach((h, i) => posInt(h, `head.hidden[${i}]`));
  if (!(c.head.dropout >= 0 && c.head.dropout < 1)) throw new RangeError(`CnnClassifier: head.dropout must be in [0, 1), got ${c.head.dropout}`);
  if (!(Number.isFinite(c.learningRate) && c.learningRate > 0)) throw new RangeError(`CnnClassifier: learningRate must be positive, got ${c.learningRate}`);
  if (!(Number.isFinite(c.weightDecay) && c.weightDecay >= 0)) throw new RangeError(`CnnClassifier: weightDecay must be ≥ 0, got ${c.weightDecay}`);
  posInt(c.epochs, 'epochs');
  posInt(c.batchSize, 'batchSize');
  if (!Number.isInteger(c.seed)) throw new RangeError(`CnnClassifier: seed must be an integer, got ${c.seed}`);
  return c;
}

/** Side of the feature map after valid convs; a clear error when the image is too small. */
function checkFits(shape: ImageShape, convs: readonly ConvLayerSpec[]): void {
  let [h, w] = shape;
  for (const l of convs) {
    const s = l.strides ?? 1;
    h = Math.floor((h - l.kernelSize) / s) + 1;
    w = Math.floor((w - l.kernelSize) / s) + 1;
    if (h < 1 || w < 1) throw new RangeError(`CnnClassifier: a ${shape[0]}×${shape[1]} image is too small for convs ${JSON.stringify(convs)}`);
  }
}

/** The trunk: convs (valid, `activation`), flatten, dense `features` (same activation). */
export function cnnTrunkBlock(c: ResolvedCnnConfig): Block {
  const seed = seedStream(c.seed);
  return compose(
    ...c.convs.map((l) => convBlock({ filters: l.filters, kernelSize: l.kernelSize, strides: l.strides ?? 1, activation: c.activation, seed: seed() })),
    flattenBlock(),
    denseBlock({ units: c.features, activation: c.activation, seed: seed() }),
  );
}

/**
 * conv trunk → head → class scores, trained with Adam on softmax cross-entropy. Images are [0, 1]
 * floats. After `fit`, `trunk` is the image → features model (sharing the classifier's weights).
 */
export class CnnClassifier implements Classifier {
  readonly name = 'cnn';
  readonly config: ResolvedCnnConfig;
  private net: { model: tf.LayersModel; trunk: tf.LayersModel; shape: ImageShape } | null = null;

  constructor(config: CnnClassifierConfig = {}) {
    this.config = resolveCnnConfig(config);
  }

  /** Builds the network for images of `shape` and `numClasses` classes (fit does this when needed). */
  build(shape: ImageShape, numClasses: number): void {
    checkFits(shape, this.config.convs);
    this.dispose();
    const c = this.config;
    const input = inputOf([...shape], 'image');
    const features = cnnTrunkBlock(c)(input);
    const seed = seedStream(c.seed + 7919);
    const head = compose(
      ...c.head.hidden.map((units) => denseBlock({ units, activation: 'relu', seed: seed() })),
      dropoutBlock(c.head.dropout),
      denseBlock({ units: numClasses, seed: seed() }),
    );
    const trunk = tf.model({ inputs: input, outputs: features, name: uniqueLayerName('cnn_trunk') });
    const model = tf.model({ inputs: input, outputs: head(features), name: uniqueLayerName('cnn_classifier') });
    this.net = { model, trunk, shape: [...shape] };
  }

  /** The whole classifier (image → class scores). */
  get model(): tf.LayersModel {
    return this.requireNet().model;
  }

  /** The conv trunk (image → features), sharing weights with `model`. */
  get trunk(): tf.LayersModel {
    return this.requireNet().trunk;
  }

  async fit(data: LabeledImages): Promise<FitSummary> {
    const n = checkLabeled(data, 'CnnClassifier.fit');
    const c = this.config;
    const numClasses = this.net ? (this.net.model.outputs[0]!.shape[1] as number) : -1;
    if (!this.net || this.net.shape.join() !== data.shape.join() || numClasses !== data.numClasses) this.build(data.shape, data.numClasses);
    const model = this.net!.model;
    const rng = new Rng(c.seed);
    const optimizer = makeOptimizer({ type: 'adam', learningRate: c.learningRate });
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const kernels = vars.filter((v) => v.shape.length > 1);
    const losses: number[] = [];
    try {
      for (let epoch = 0; epoch < c.epochs; epoch++) {
        let sum = 0;
        for (const idx of minibatches(n, c.batchSize, rng)) {
          const cost = tf.tidy(() => {
            const x = gatherRows(data.images, idx, data.shape);
            const y = tf.tensor1d(Int32Array.from(idx, (i) => data.labels[i]!), 'int32');
            return optimizer.minimize(() => {
              const scores = model.apply(x, { training: true }) as tf.Tensor2D;
              const loss = softmaxLoss(scores, y);
              return c.weightDecay > 0 ? loss.add(tf.addN(kernels.map((k) => k.square().sum())).mul(c.weightDecay)) : loss;
            }, true, vars)!;
          });
          sum += (await cost.data())[0]! * idx.length;
          cost.dispose();
        }
        const mean = sum / n;
        if (!Number.isFinite(mean)) throw new Error(`CnnClassifier.fit: the loss diverged at epoch ${epoch} (learning rate ${c.learningRate} too high?)`);
        losses.push(mean);
      }
    } finally {
      optimizer.dispose();
    }
    return { losses };
  }

  /** Class scores [N, numClasses] for a flat [N, H, W, C] array (the caller disposes). */
  scores(images: Float32Array, shape: ImageShape): tf.Tensor2D {
    const net = this.requireNet();
    if (shape.join() !== net.shape.join()) throw new RangeError(`CnnClassifier: images are [${shape.join(', ')}], the network takes [${net.shape.join(', ')}]`);
    const n = imageCount(images, shape, 'CnnClassifier');
    return tf.tidy(() => net.model.predict(tf.tensor4d(images, [n, ...shape]), { batchSize: 256 }) as tf.Tensor2D);
  }

  async predict(images: Float32Array, shape: ImageShape): Promise<Int32Array> {
    const pred = tf.tidy(() => this.scores(images, shape).argMax(1));
    const out = Int32Array.from(await pred.data());
    pred.dispose();
    return out;
  }

  dispose(): void {
    if (!this.net) return;
    // The trunk's layers are the model's: disposing the model frees them all.
    this.net.model.dispose();
    this.net = null;
  }

  private requireNet(): { model: tf.LayersModel; trunk: tf.LayersModel; shape: ImageShape } {
    if (!this.net) throw new Error('CnnClassifier: call fit (or build) first');
    return this.net;
  }
}
