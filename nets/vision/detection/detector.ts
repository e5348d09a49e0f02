// A small two-stage detector in the manner of Faster R-CNN (Ren et al. 2015; cs231n ch. 10.3): a conv
// backbone; a region proposal network scoring anchors and regressing their boxes; proposals decoded and
// thinned by NMS; RoI max pooling of each proposal; a per-region head with class scores (background
// included) and class-specific box refinements. Trained end to end with the four losses summed and the
// proposals treated as constants ("approximate joint training", §3.2 of the paper).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../envs/rng.js';
import { loadModel, saveModel } from '../../io.js';
import { compose, convBlock, denseBlock, flattenBlock, inputOf } from '../../modules/layers.js';
import { uniqueLayerName } from '../../modules/naming.js';
import { seedStream } from '../../modules/seeds.js';
import { makeOptimizer, setLearningRate } from '../../optim/config.js';
import { anchorGrid } from './anchors.js';
import { checkBox, clipBox, decodeDelta, type BoxXYXY, type Detection, type LabeledBox } from './boxes.js';
import { checkFrameShape, checkFrames, frameBatch, type FrameShape } from './imageBatch.js';
import { sigmoidCrossEntropy, smoothL1, softmaxCrossEntropyRows, weightedMean } from './losses.js';
import { readVisionModelJson, writeVisionModelJson } from './modelFiles.js';
import { nms } from './nms.js';
import { optimizeStep } from './optimizeStep.js';
import { proposeRegions, type ProposalOptions } from './proposals.js';
import { roiMaxPool, type Roi } from './roiPool.js';
import { regionTargets } from './roiTargets.js';
import { anchorTargets } from './rpnTargets.js';

export interface TwoStageDetectorConfig {
  /** [height, width, channels] of the uint8 frames. Default [40, 40, 3]. */
  inputShape: readonly [number, number, number];
  /** Object classes (the head adds a background class of its own). */
  numClasses: number;
  /** Names of the classes, for display and wrappers. Default 'class0', 'class1', … */
  classNames: readonly string[];
  /** Channels of the backbone's 3×3 stride-2 relu convs; the feature stride is 2^length. Default [16, 32]. */
  backboneFilters: readonly number[];
  /** Channels of the RPN's 3×3 conv. Default 32. */
  rpnChannels: number;
  /** Anchor square-root areas in pixels. Default [4, 8, 16]. */
  anchorSizes: readonly number[];
  /** Anchor height / width ratios. Default [0.5, 1, 2]. */
  aspectRatios: readonly number[];
  /** Anchors sampled per image for the RPN loss. Default 64. */
  rpnBatchSize: number;
  /** Default 0.5. */
  rpnPositiveFraction: number;
  /** IoU for a positive anchor. Default 0.5 (the paper's 0.7 leaves objects of a few pixels with none). */
  rpnPositiveIoU: number;
  /** IoU below which an anchor is negative. Default 0.3. */
  rpnNegativeIoU: number;
  /** Proposals: best-scoring anchors decoded before NMS, and kept after. Defaults 64 and 16. */
  preNmsTopN: number;
  postNmsTopN: number;
  /** NMS IoU threshold among proposals. Default 0.7. */
  rpnNmsThreshold: number;
  /** Regions sampled per image for the head loss. Default 16. */
  regionBatchSize: number;
  /** Largest fraction of foreground among them. Default 0.5 (few objects per frame). */
  regionPositiveFraction: number;
  /** IoU with a true box for a foreground region. Default 0.5. */
  regionPositiveIoU: number;
  /** RoI pooling grid side. Default 3. */
  roiPoolSize: number;
  /** Width of the head's dense relu layer. Default 64. */
  headUnits: number;
  /** The head's box targets are divided by these (Fast R-CNN's normalization). Default [0.1, 0.1, 0.2, 0.2]. */
  deltaScale: readonly [number, number, number, number];
  /** Weights of the RPN and head box losses. Defaults 1 and 1. */
  rpnBoxLossWeight: number;
  headBoxLossWeight: number;
  /** Detections scoring below this are dropped. Default 0.05 (low, for mAP). */
  scoreThreshold: number;
  /** Per-class NMS IoU threshold of the final detections. Default 0.5. */
  detectionNmsThreshold: number;
  /** Detections kept per frame. Default 10. */
  maxDetections: number;
  /** Adam learning rate. Default 2e-3. */
  learningRate: number;
  /** Clip gradients to this global norm (0 = off). Default 10. */
  maxGradNorm: number;
  /** Seeds the weights and the anchor / region sampling. */
  seed: number;
}

export const detectorDefaults: Omit<TwoStageDetectorConfig, 'numClasses' | 'classNames'> = {
  inputShape: [40, 40, 3],
  backboneFilters: [16, 32],
  rpnChannels: 32,
  anchorSizes: [4, 8, 16],
  aspectRatios: [0.5, 1, 2],
  rpnBatchSize: 64,
  rpnPositiveFraction: 0.5,
  rpnPositiveIoU: 0.5,
  rpnNegativeIoU: 0.3,
  preNmsTopN: 64,
  postNmsTopN: 16,
  rpnNmsThreshold: 0.7,
  regionBatchSize: 16,
  regionPositiveFraction: 0.5,
  regionPositiveIoU: 0.5,
  roiPoolSize: 3,
  headUnits: 64,
  deltaScale: [0.1, 0.1, 0.2, 0.2],
  rpnBoxLossWeight: 1,
  headBoxLossWeight: 1,
  scoreThreshold: 0.05,
  detectionNmsThreshold: 0.5,
  maxDetections: 10,
  learningRate: 2e-3,
  maxGradNorm: 10,
  seed: 0,
};

export type DetectorSettings = Partial<TwoStageDetectorConfig> & { numClasses: number };

export interface DetectorLosses {
  total: number;
  rpnObjectness: number;
  rpnBox: number;
  headClass: number;
  headBox: number;
}

function positiveInt(c: Record<string, unknown>, key: string): void {
  const v = c[key];
  if (!(typeof v === 'number' && Number.isInteger(v) && v > 0)) throw new RangeError(`TwoStageDetector: ${key} must be a positive integer, got ${String(v)}`);
}

function inRange(c: Record<string, unknown>, key: string, lo: number, hi: number): void {
  const v = c[key];
  if (!(typeof v === 'number' && v >= lo && v <= hi)) throw new RangeError(`TwoStageDetector: ${key} must be in [${lo}, ${hi}], got ${String(v)}`);
}

function resolve(settings: DetectorSettings): TwoStageDetectorConfig {
  const c: TwoStageDetectorConfig = {
    ...detectorDefaults,
    classNames: Array.from({ length: settings.numClasses }, (_, i) => `class${i}`),
    ...settings,
  };
  const r = c as unknown as Record<string, unknown>;
  checkFrameShape(c.inputShape, 'TwoStageDetector');
  for (const key of ['numClasses', 'rpnChannels', 'rpnBatchSize', 'preNmsTopN', 'postNmsTopN', 'regionBatchSize', 'roiPoolSize', 'headUnits', 'maxDetections']) {
    positiveInt(r, key);
  }
  for (const key of ['rpnPositiveFraction', 'rpnPositiveIoU', 'rpnNegativeIoU', 'rpnNmsThreshold', 'regionPositiveFraction', 'regionPositiveIoU', 'scoreThreshold', 'detectionNmsThreshold']) {
    inRange(r, key, 0, 1);
  }
  for (const key of ['rpnBoxLossWeight', 'headBoxLossWeight', 'maxGradNorm']) inRange(r, key, 0, Infinity);
  if (!(Number.isFinite(c.learningRate) && c.learningRate > 0)) throw new RangeError(`TwoStageDetector: learningRate must be positive, got ${c.learningRate}`);
  if (c.classNames.length !== c.numClasses) throw new RangeError(`TwoStageDetector: ${c.classNames.length} classNames for ${c.numClasses} classes`);
  if (c.backboneFilters.length === 0 || c.backboneFilters.some((f) => !(Number.isInteger(f) && f > 0))) {
    throw new RangeError(`TwoStageDetector: backboneFilters must be positive integers, got [${c.backboneFilters.join(', ')}]`);
  }
  if (c.anchorSizes.length === 0 || c.anchorSizes.some((v) => !(v > 0)) || c.aspectRatios.length === 0 || c.aspectRatios.some((v) => !(v > 0))) {
    throw new RangeError('TwoStageDetector: anchorSizes and aspectRatios must be non-empty lists of positive numbers');
  }
  if (c.deltaScale.length !== 4 || c.deltaScale.some((v) => !(v > 0))) throw new RangeError(`TwoStageDetector: deltaScale must be 4 positive numbers`);
  if (c.rpnNegativeIoU > c.rpnPositiveIoU) throw new RangeError('TwoStageDetector: rpnNegativeIoU must not exceed rpnPositiveIoU');
  return c;
}

/** Backbone + RPN: frames → [features, objectness logits [h, w, A], deltas [h, w, 4A]]. */
function buildBackbone(c: TwoStageDetectorConfig, seed: () => number): tf.LayersModel {
  const input = inputOf([...c.inputShape]);
  const features = compose(
    ...c.backboneFilters.map((filters) => convBlock({ filters, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', init: 'heNormal', seed: seed() })),
  )(input);
  const a = c.anchorSizes.length * c.aspectRatios.length;
  const rpn = convBlock({ filters: c.rpnChannels, kernelSize: 3, padding: 'same', activation: 'relu', init: 'heNormal', seed: seed() })(features);
  const objectness = convBlock({ filters: a, kernelSize: 1, init: 'smallRandom', seed: seed(), name: uniqueLayerName('rpn_objectness') })(rpn);
  const deltas = convBlock({ filters: 4 * a, kernelSize: 1, init: 'smallRandom', seed: seed(), name: uniqueLayerName('rpn_deltas') })(rpn);
  return tf.model({ inputs: input, outputs: [features, objectness, deltas], name: uniqueLayerName('detector_backbone') });
}

/** Per-region head: pooled [P, P, C] → [class logits (background first), class-specific deltas [4K]]. */
function buildHead(c: TwoStageDetectorConfig, channels: number, seed: () => number): tf.LayersModel {
  const input = inputOf([c.roiPoolSize, c.roiPoolSize, channels]);
  const hidden = compose(flattenBlock(), denseBlock({ units: c.headUnits, activation: 'relu', init: 'heNormal', seed: seed() }))(input);
  const logits = denseBlock({ units: c.numClasses + 1, seed: seed(), name: uniqueLayerName('head_class_logits') })(hidden);
  const deltas = denseBlock({ units: 4 * c.numClasses, init: 'smallRandom', seed: seed(), name: uniqueLayerName('head_deltas') })(hidden);
  return tf.model({ inputs: input, outputs: [logits, deltas], name: uniqueLayerName('detector_head') });
}

function checkTruth(truth: readonly (readonly LabeledBox[])[], frames: number, numClasses: number): void {
  if (truth.length !== frames) throw new RangeError(`TwoStageDetector.trainStep: ${frames} frames but ${truth.length} lists of objects`);
  truth.forEach((objs, i) =>
    objs.forEach((o, j) => {
      if (!(Number.isInteger(o.classId) && o.classId >= 0 && o.classId < numClasses)) {
        throw new RangeError(`TwoStageDetector.trainStep: object ${j} of frame ${i} has classId ${o.classId}, outside [0, ${numClasses})`);
      }
      checkBox(o.box, `TwoStageDetector.trainStep: object ${j} of frame ${i}`);
    }),
  );
}

/** Detects objects in uint8 HWC frames of `config.inputShape`. */
export class TwoStageDetector {
  readonly config: TwoStageDetectorConfig;
  readonly backbone: tf.LayersModel;
  readonly head: tf.LayersModel;
  /** Image pixels per feature cell. */
  readonly stride: number;
  readonly anchors: readonly BoxXYXY[];
  private readonly shape: FrameShape;
  private readonly optimizer: tf.Optimizer;
  private readonly rng: Rng;

  constructor(settings: DetectorSettings, models?: { backbone: tf.LayersModel; head: tf.LayersModel }) {
    this.config = resolve(settings);
    const c = this.config;
    this.shape = checkFrameShape(c.inputShape, 'TwoStageDetector');
    const seed = seedStream(c.seed);
    this.backbone = models?.backbone ?? buildBackbone(c, seed);
    const [, rows, cols, channels] = this.backbone.outputs[0]!.shape as number[];
    this.head = models?.head ?? buildHead(c, channels!, seed);
    this.stride = 2 ** c.backboneFilters.length;
    this.anchors = anchorGrid({ rows: rows!, cols: cols!, stride: this.stride, sizes: c.anchorSizes, aspectRatios: c.aspectRatios });
    this.optimizer = makeOptimizer({ type: 'adam', learningRate: c.learningRate });
    this.rng = new Rng(seed());
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

  private proposalOptions(): ProposalOptions {
    const c = this.config;
    return { width: this.shape[1], height: this.shape[0], preNmsTopN: c.preNmsTopN, postNmsTopN: c.postNmsTopN, nmsThreshold: c.rpnNmsThreshold, minSize: 1 };
  }

  /** One Adam step on a batch: `truth[i]` lists the objects of `frames[i]` (possibly none). */
  trainStep(frames: readonly Uint8Array[], truth: readonly (readonly LabeledBox[])[]): DetectorLosses {
    checkFrames(frames, this.shape, 'TwoStageDetector.trainStep');
    const c = this.config;
    checkTruth(truth, frames.length, c.numClasses);
    const b = frames.length;
    const n = this.anchors.length;
    const k = c.numClasses;
    const sampling = { batchSize: c.rpnBatchSize, positiveFraction: c.rpnPositiveFraction, positiveIoU: c.rpnPositiveIoU, negativeIoU: c.rpnNegativeIoU };
    const objT = new Float32Array(b * n);
    const sampled = new Float32Array(b * n);
    const deltaT = new Float32Array(b * n * 4);
    const deltaW = new Float32Array(b * n * 4);
    let numSampled = 0;
    truth.forEach((objs, i) => {
      const t = anchorTargets(this.anchors, objs.map((o) => o.box), sampling, this.rng);
      objT.set(t.objectness, i * n);
      sampled.set(t.sampled, i * n);
      deltaT.set(t.deltas, i * n * 4);
      deltaW.set(t.deltaWeights, i * n * 4);
      numSampled += t.positives + t.negatives;
    });
    const regionSampling = { batchSize: c.regionBatchSize, positiveFraction: c.regionPositiveFraction, positiveIoU: c.regionPositiveIoU };
    const inputs = tf.tidy(() => ({
      x: frameBatch(frames, this.shape),
      objT: tf.tensor1d(objT),
      sampled: tf.tensor1d(sampled),
      deltaT: tf.tensor2d(deltaT, [b * n, 4]),
      deltaW: tf.tensor2d(deltaW, [b * n, 4]),
    }));
    const vars = [...this.backbone.trainableWeights, ...this.head.trainableWeights].map((v) => v.read() as tf.Variable);
    try {
      const [total, rpnObjectness, rpnBox, headClass, headBox] = optimizeStep(
        this.optimizer,
        vars,
        () => {
          const [features, objectness, deltas] = this.backbone.apply(inputs.x, { training: true }) as tf.Tensor[];
          const logits = tf.reshape(objectness!, [b * n]);
          const rpnDeltas = tf.reshape(deltas!, [b * n, 4]);
          const rpnCls = weightedMean(sigmoidCrossEntropy(logits, inputs.objT), inputs.sampled, numSampled);
          const rpnReg = weightedMean(smoothL1(tf.sub(rpnDeltas, inputs.deltaT), 1 / 9), inputs.deltaW, numSampled);
          // Proposals from this very forward pass, as constants.
          const logitValues = logits.dataSync();
          const deltaValues = rpnDeltas.dataSync();
          const rois: Roi[] = [];
          const labels: number[] = [];
          const regionDeltas: (number[] | null)[] = [];
          truth.forEach((objs, i) => {
            const proposals = proposeRegions(this.anchors, logitValues, deltaValues, i * n, this.proposalOptions());
            for (const r of regionTargets(
              proposals.map((p) => p.box),
              objs,
              regionSampling,
              c.deltaScale,
              this.rng,
            )) {
              rois.push({ batchIndex: i, box: r.box });
              labels.push(r.label);
              regionDeltas.push(r.delta);
            }
          });
          let headCls: tf.Scalar = tf.scalar(0);
          let headReg: tf.Scalar = tf.scalar(0);
          if (rois.length > 0) {
            const r = rois.length;
            const onehot = new Float32Array(r * (k + 1));
            const target = new Float32Array(r * 4 * k);
            const mask = new Float32Array(r * 4 * k);
            labels.forEach((label, j) => {
              onehot[j * (k + 1) + label] = 1;
              const d = regionDeltas[j];
              if (d) {
                target.set(d, j * 4 * k + (label - 1) * 4);
                mask.fill(1, j * 4 * k + (label - 1) * 4, j * 4 * k + label * 4);
              }
            });
            const pooled = roiMaxPool(features as tf.Tensor4D, rois, { outputSize: c.roiPoolSize, spatialScale: 1 / this.stride });
            const [classLogits, boxDeltas] = this.head.apply(pooled, { training: true }) as tf.Tensor2D[];
            headCls = tf.mean(softmaxCrossEntropyRows(classLogits!, tf.tensor2d(onehot, [r, k + 1])));
            headReg = weightedMean(smoothL1(tf.sub(boxDeltas!, tf.tensor2d(target, [r, 4 * k])), 1), tf.tensor2d(mask, [r, 4 * k]), r);
          }
          const sum = tf.addN([rpnCls, tf.mul(rpnReg, c.rpnBoxLossWeight), headCls, tf.mul(headReg, c.headBoxLossWeight)]) as tf.Scalar;
          return [sum, rpnCls, rpnReg, headCls, headReg];
        },
        c.maxGradNorm,
      );
      return { total: total!, rpnObjectness: rpnObjectness!, rpnBox: rpnBox!, headClass: headClass!, headBox: headBox! };
    } finally {
      tf.dispose(inputs);
    }
  }

  /** Changes the Adam learning rate (for schedules); the optimizer's moments are kept. */
  setLearningRate(learningRate: number): void {
    if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new RangeError(`TwoStageDetector.setLearningRate: must be positive, got ${learningRate}`);
    setLearningRate(this.optimizer, learningRate);
  }

  /** The objects found in each frame, best first: class, score (softmax probability) and pixel box. */
  detect(frames: readonly Uint8Array[]): Detection[][] {
    checkFrames(frames, this.shape, 'TwoStageDetector.detect');
    const c = this.config;
    const n = this.anchors.length;
    const outputs = tf.tidy(() => this.backbone.predict(frameBatch(frames, this.shape)) as tf.Tensor[]);
    try {
      const [features, objectness, deltas] = outputs as [tf.Tensor4D, tf.Tensor, tf.Tensor];
      const logitValues = objectness.dataSync();
      const deltaValues = deltas.dataSync();
      const rois: Roi[] = [];
      frames.forEach((_, i) => {
        for (const p of proposeRegions(this.anchors, logitValues, deltaValues, i * n, this.proposalOptions())) rois.push({ batchIndex: i, box: p.box });
      });
      if (rois.length === 0) return frames.map(() => []);
      const [probs, refine] = tf.tidy(() => {
        const pooled = roiMaxPool(features, rois, { outputSize: c.roiPoolSize, spatialScale: 1 / this.stride });
        const [classLogits, boxDeltas] = this.head.predict(pooled) as tf.Tensor[];
        return [tf.softmax(classLogits!).dataSync(), boxDeltas!.dataSync()];
      });
      return this.postprocess(frames.length, rois, probs, refine);
    } finally {
      tf.dispose(outputs);
    }
  }

  /** Class-specific boxes from the head's outputs, thresholded and thinned by per-class NMS. */
  private postprocess(frames: number, rois: readonly Roi[], probs: ArrayLike<number>, refine: ArrayLike<number>): Detection[][] {
    const c = this.config;
    const k = c.numClasses;
    const [h, w] = this.shape;
    const s = c.deltaScale;
    const candidates = Array.from({ length: frames }, () => Array.from({ length: k }, () => ({ boxes: [] as BoxXYXY[], scores: [] as number[] })));
    rois.forEach((roi, j) => {
      for (let cls = 0; cls < k; cls++) {
        const score = probs[j * (k + 1) + cls + 1]!;
        if (score < c.scoreThreshold) continue;
        const d = j * 4 * k + cls * 4;
        const box = clipBox(decodeDelta(roi.box, refine[d]! * s[0], refine[d + 1]! * s[1], refine[d + 2]! * s[2], refine[d + 3]! * s[3]), w, h);
        if (!(box.x1 > box.x0 && box.y1 > box.y0)) continue;
        candidates[roi.batchIndex]![cls]!.boxes.push(box);
        candidates[roi.batchIndex]![cls]!.scores.push(score);
      }
    });
    return candidates.map((perClass) => {
      const dets: Detection[] = [];
      perClass.forEach(({ boxes, scores }, cls) => {
        for (const idx of nms(boxes, scores, c.detectionNmsThreshold)) dets.push({ classId: cls, score: scores[idx]!, box: boxes[idx]! });
      });
      dets.sort((a, b) => b.score - a.score);
      return dets.slice(0, c.maxDetections);
    });
  }

  async save(dir: string): Promise<void> {
    await saveModel(this.backbone, join(dir, 'backbone'));
    await saveModel(this.head, join(dir, 'head'));
    writeVisionModelJson(dir, 'two-stage-detector', this.config);
  }

  static async load(dir: string): Promise<TwoStageDetector> {
    const config = resolve(readVisionModelJson(dir, 'two-stage-detector') as unknown as TwoStageDetectorConfig);
    const seed = seedStream(config.seed);
    const expectBackbone = buildBackbone(config, seed);
    const channels = expectBackbone.outputs[0]!.shape[3] as number;
    const expectHead = buildHead(config, channels, seed);
    try {
      const backbone = await loadModel(join(dir, 'backbone'), { expect: expectBackbone });
      const head = await loadModel(join(dir, 'head'), { expect: expectHead });
      return new TwoStageDetector(config, { backbone, head });
    } finally {
      expectBackbone.dispose();
      expectHead.dispose();
    }
  }

  dispose(): void {
    this.backbone.dispose();
    this.head.dispose();
    this.optimizer.dispose();
  }
}
