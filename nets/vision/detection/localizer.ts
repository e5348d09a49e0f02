// Classification plus localization (cs231n ch. 10.2; the multi-task loss of Girshick 2015, "Fast R-CNN",
// eq. 1): one CNN, two heads: a softmax over the object's class and a regression of its box in
// normalized coordinates, trained with cross-entropy + λ·smooth L1. For frames showing one object of
// interest; a frame with several needs a detector (detector.ts).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel } from '../../io.js';
import { applyLayer, compose, convBlock, denseBlock, flattenBlock, inputOf } from '../../modules/layers.js';
import { uniqueLayerName } from '../../modules/naming.js';
import { seedStream } from '../../modules/seeds.js';
import { makeOptimizer, setLearningRate } from '../../optim/config.js';
import { checkBox, iou, type Detection, type LabeledBox } from './boxes.js';
import { checkFrameShape, checkFrames, frameBatchWithCoordinates, type FrameShape } from './imageBatch.js';
import { smoothL1, softmaxCrossEntropyRows } from './losses.js';
import { optimizeStep } from './optimizeStep.js';
import { readVisionModelJson, writeVisionModelJson } from './modelFiles.js';

export interface LocalizerConfig {
  /** [height, width, channels] of the uint8 frames. Default [40, 40, 3]. */
  inputShape: readonly [number, number, number];
  /** Object classes (no background class: every frame shows exactly one object). */
  numClasses: number;
  /** Channels of the 3×3 relu convs. Default [16, 32]. */
  filters: readonly number[];
  /** Stride of each conv. Default [2, 2]. */
  strides: readonly number[];
  /** Width of the shared dense relu layer. Default 64. */
  hiddenUnits: number;
  /** λ, the weight of the box loss. Default 2 (box errors are fractions of the frame, so small). */
  boxLossWeight: number;
  /** β of the smooth L1, in normalized units. Default 0.02 (quadratic within 2% of the frame). */
  smoothL1Beta: number;
  /** Adam learning rate. Default 4e-3 (decay it towards the end for fine boxes: `setLearningRate`). */
  learningRate: number;
  seed: number;
}

export const localizerDefaults: Omit<LocalizerConfig, 'numClasses'> = {
  inputShape: [40, 40, 3],
  filters: [16, 32],
  strides: [2, 2],
  hiddenUnits: 64,
  boxLossWeight: 2,
  smoothL1Beta: 0.02,
  learningRate: 4e-3,
  seed: 0,
};

export interface LocalizerLosses {
  total: number;
  classification: number;
  box: number;
}

function resolve(config: Partial<LocalizerConfig> & { numClasses: number }): LocalizerConfig {
  const c: LocalizerConfig = { ...localizerDefaults, ...config };
  checkFrameShape(c.inputShape, 'Localizer');
  if (!(Number.isInteger(c.numClasses) && c.numClasses >= 1)) throw new RangeError(`Localizer: numClasses must be a positive integer, got ${c.numClasses}`);
  if (c.filters.length === 0 || c.filters.some((f) => !(Number.isInteger(f) && f > 0))) {
    throw new RangeError(`Localizer: filters must be positive integers, got [${c.filters.join(', ')}]`);
  }
  if (c.strides.length !== c.filters.length || c.strides.some((v) => !(Number.isInteger(v) && v > 0))) {
    throw new RangeError(`Localizer: strides must be one positive integer per conv (${c.filters.length}), got [${c.strides.join(', ')}]`);
  }
  if (!(Number.isInteger(c.hiddenUnits) && c.hiddenUnits > 0)) throw new RangeError(`Localizer: hiddenUnits must be a positive integer, got ${c.hiddenUnits}`);
  for (const key of ['boxLossWeight', 'smoothL1Beta', 'learningRate'] as const) {
    if (!(Number.isFinite(c[key]) && c[key] > 0)) throw new RangeError(`Localizer: ${key} must be positive, got ${c[key]}`);
  }
  return c;
}

// Pixel coordinates go in as two extra channels (CoordConv; see frameBatchWithCoordinates), so after a
// max pool over all positions the features can still say where the object's pixels lie (say, the
// largest x among them) as well as what they are. A dense regressor on flattened features finds
// positions only coarsely, and objects of a few pixels need them to the pixel.
function buildModel(c: LocalizerConfig): tf.LayersModel {
  const seed = seedStream(c.seed);
  const [h, w, channels] = c.inputShape;
  const input = inputOf([h, w, channels + 2]);
  const trunk = compose(
    ...c.filters.map((filters, i) =>
      convBlock({ filters, kernelSize: 3, strides: c.strides[i]!, padding: 'same', activation: 'relu', init: 'heNormal', seed: seed() }),
    ),
  );
  const features = trunk(input);
  // A max pool the size of the map (its wasm gradient is one native kernel, unlike a max over axes).
  const [fh, fw] = features.shape.slice(1, 3) as [number, number];
  const pooled = compose(
    (x) => applyLayer(tf.layers.maxPooling2d({ poolSize: [fh, fw], strides: [fh, fw], name: uniqueLayerName('global_max_pool') }), x),
    flattenBlock(),
  )(features);
  const hidden = denseBlock({ units: c.hiddenUnits, activation: 'relu', init: 'heNormal', seed: seed() })(pooled);
  const classLogits = denseBlock({ units: c.numClasses, seed: seed(), name: uniqueLayerName('class_logits') })(hidden);
  const box = denseBlock({ units: 4, seed: seed(), name: uniqueLayerName('box') })(hidden);
  return tf.model({ inputs: input, outputs: [classLogits, box], name: uniqueLayerName('localizer') });
}

/** A trained classifier-and-localizer; frames are uint8 HWC of `config.inputShape`. */
export class Localizer {
  readonly config: LocalizerConfig;
  readonly model: tf.LayersModel;
  private readonly optimizer: tf.Optimizer;
  private readonly shape: FrameShape;

  constructor(config: Partial<LocalizerConfig> & { numClasses: number }, model?: tf.LayersModel) {
    this.config = resolve(config);
    this.shape = checkFrameShape(this.config.inputShape, 'Localizer');
    this.model = model ?? buildModel(this.config);
    this.optimizer = makeOptimizer({ type: 'adam', learningRate: this.config.learningRate });
  }

  /** One Adam step on a batch: `targets[i]` is the object of `frames[i]`. */
  trainStep(frames: readonly Uint8Array[], targets: readonly LabeledBox[]): LocalizerLosses {
    checkFrames(frames, this.shape, 'Localizer.trainStep');
    if (targets.length !== frames.length) throw new RangeError(`Localizer.trainStep: ${frames.length} frames but ${targets.length} targets`);
    const [h, w] = this.shape;
    const k = this.config.numClasses;
    const onehot = new Float32Array(frames.length * k);
    const boxes = new Float32Array(frames.length * 4);
    targets.forEach((t, i) => {
      if (!(Number.isInteger(t.classId) && t.classId >= 0 && t.classId < k)) {
        throw new RangeError(`Localizer.trainStep: target ${i} has classId ${t.classId}, outside [0, ${k})`);
      }
      checkBox(t.box, `Localizer.trainStep: target ${i}`);
      onehot[i * k + t.classId] = 1;
      boxes.set([t.box.x0 / w, t.box.y0 / h, t.box.x1 / w, t.box.y1 / h], i * 4);
    });
    const vars = this.model.trainableWeights.map((v) => v.read() as tf.Variable);
    const x = frameBatchWithCoordinates(frames, this.shape);
    const labels = tf.tensor2d(onehot, [frames.length, k]);
    const boxTargets = tf.tensor2d(boxes, [frames.length, 4]);
    try {
      const [total, classification, box] = optimizeStep(this.optimizer, vars, () => {
        const [logits, pred] = this.model.apply(x, { training: true }) as [tf.Tensor2D, tf.Tensor2D];
        const classLoss = tf.mean(softmaxCrossEntropyRows(logits, labels)) as tf.Scalar;
        const boxLoss = tf.mean(tf.sum(smoothL1(tf.sub(pred, boxTargets), this.config.smoothL1Beta), -1)) as tf.Scalar;
        return [tf.add(classLoss, tf.mul(boxLoss, this.config.boxLossWeight)), classLoss, boxLoss];
      });
      return { total: total!, classification: classification!, box: box! };
    } finally {
      tf.dispose([x, labels, boxTargets]);
    }
  }

  /** Changes the Adam learning rate (for schedules); the optimizer's moments are kept. */
  setLearningRate(learningRate: number): void {
    if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new RangeError(`Localizer.setLearningRate: must be positive, got ${learningRate}`);
    setLearningRate(this.optimizer, learningRate);
  }

  /** The class, its probability and the box (pixels, clipped to the frame) for each frame. */
  predict(frames: readonly Uint8Array[]): Detection[] {
    checkFrames(frames, this.shape, 'Localizer.predict');
    const [h, w] = this.shape;
    const k = this.config.numClasses;
    const [probs, boxes] = tf.tidy(() => {
      const [logits, box] = this.model.predict(frameBatchWithCoordinates(frames, this.shape)) as [tf.Tensor2D, tf.Tensor2D];
      return [tf.softmax(logits).dataSync(), box.dataSync()];
    });
    return frames.map((_, i) => {
      let classId = 0;
      for (let c = 1; c < k; c++) if (probs[i * k + c]! > probs[i * k + classId]!) classId = c;
      const b = Array.from(boxes.subarray(i * 4, i * 4 + 4), (v) => Math.min(1, Math.max(0, v)));
      return {
        classId,
        score: probs[i * k + classId]!,
        box: { x0: Math.min(b[0]!, b[2]!) * w, y0: Math.min(b[1]!, b[3]!) * h, x1: Math.max(b[0]!, b[2]!) * w, y1: Math.max(b[1]!, b[3]!) * h },
      };
    });
  }

  async save(dir: string): Promise<void> {
    await saveModel(this.model, join(dir, 'model'));
    writeVisionModelJson(dir, 'localizer', this.config);
  }

  static async load(dir: string): Promise<Localizer> {
    const config = readVisionModelJson(dir, 'localizer') as unknown as LocalizerConfig;
    const expect = buildModel(resolve(config));
    try {
      return new Localizer(config, await loadModel(join(dir, 'model'), { expect }));
    } finally {
      expect.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}

export interface LocalizationScore {
  /** Fraction of frames whose class is right. */
  accuracy: number;
  /** Mean IoU of predicted and true boxes. */
  meanIoU: number;
}

/** Accuracy and mean box IoU of predictions against targets (one each per frame). */
export function scoreLocalization(predictions: readonly LabeledBox[], targets: readonly LabeledBox[]): LocalizationScore {
  if (predictions.length !== targets.length || targets.length === 0) {
    throw new RangeError(`scoreLocalization: need as many predictions as targets (at least one), got ${predictions.length} and ${targets.length}`);
  }
  let correct = 0;
  let sum = 0;
  targets.forEach((t, i) => {
    const p = predictions[i]!;
    if (p.classId === t.classId) correct++;
    sum += iou(p.box, t.box);
  });
  return { accuracy: correct / targets.length, meanIoU: sum / targets.length };
}
