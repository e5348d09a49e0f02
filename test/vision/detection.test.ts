// Detection (cs231n ch. 10.2–10.3): box utilities, NMS against tfjs, mAP on hand-worked cases, RoI
// pooling's gradient, and the localizer and two-stage detector trained on frames of pixelgym games.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { make } from '../../envs/registry.js';
import '../../envs/index.js';
import { rasterize, rasterizeLabels } from '../../envs/render/rasterize.js';
import type { Scene } from '../../envs/render/scene.js';
import { Rng } from '../../envs/rng.js';
import { selectBackend } from '../../nets/backend.js';
import { gradCheck } from '../../nets/gradcheck.js';
import { collectFrames, sceneBoxes } from '../../nets/vision/data/index.js';
import {
  Localizer,
  TwoStageDetector,
  anchorTargets,
  proposeRegions,
  regionTargets,
  anchorGrid,
  averagePrecision,
  decodeDelta,
  encodeDelta,
  iou,
  meanAveragePrecision,
  nms,
  roiMaxPool,
  detectionSamples,
  scoreLocalization,
  toLabeledBoxes,
  type BoxXYXY,
  type Detection,
  type LabeledBox,
} from '../../nets/vision/detection/index.js';

const SIZE = 40;
const BREAKOUT_KINDS = ['paddle', 'ball', 'trail', 'brick'];

beforeAll(async () => {
  await selectBackend('wasm');
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Scenes of random-policy episodes (one per seed), every step's scene. */
function rolloutScenes(id: string, seeds: readonly number[], maxSteps: number, kwargs: Record<string, unknown> = {}): Scene[] {
  const scenes: Scene[] = [];
  for (const seed of seeds) {
    const env = make<Uint8Array, number>(id, { obsType: 'rgb', width: SIZE, height: SIZE, ...kwargs });
    const rng = new Rng(seed + 1000);
    env.reset({ seed });
    scenes.push(env.scene!());
    for (let t = 0; t < maxSteps; t++) {
      const r = env.step(rng.int(3));
      scenes.push(env.scene!());
      if (r.terminated || r.truncated) break;
    }
    env.close();
  }
  return scenes;
}

const seedRange = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

function randomBox(rng: Rng, size: number): BoxXYXY {
  const x0 = rng.uniform(0, size - 2);
  const y0 = rng.uniform(0, size - 2);
  return { x0, y0, x1: x0 + rng.uniform(1, size / 2), y1: y0 + rng.uniform(1, size / 2) };
}

describe('boxes', () => {
  it('computes IoU of overlapping, nested, touching and empty boxes', () => {
    const a = { x0: 0, y0: 0, x1: 4, y1: 4 };
    expect(iou(a, { x0: 2, y0: 0, x1: 6, y1: 4 })).toBeCloseTo(8 / 24, 12);
    expect(iou(a, { x0: 1, y0: 1, x1: 3, y1: 3 })).toBeCloseTo(4 / 16, 12);
    expect(iou(a, { x0: 4, y0: 0, x1: 8, y1: 4 })).toBe(0);
    expect(iou(a, { x0: 1, y0: 1, x1: 1, y1: 3 })).toBe(0);
    expect(iou(a, a)).toBe(1);
  });

  it('decodes what it encodes, and shifts centres in units of the reference size', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 50; i++) {
      const ref = randomBox(rng, 40);
      const target = randomBox(rng, 40);
      const d = encodeDelta(ref, target);
      const back = decodeDelta(ref, ...d);
      for (const k of ['x0', 'y0', 'x1', 'y1'] as const) expect(back[k]).toBeCloseTo(target[k], 9);
    }
    const d = encodeDelta({ x0: 0, y0: 0, x1: 4, y1: 2 }, { x0: 2, y0: 1, x1: 10, y1: 3 });
    expect(d[0]).toBeCloseTo(1, 12); // centre 2 → 6: one reference width
    expect(d[1]).toBeCloseTo(0.5, 12);
    expect(d[2]).toBeCloseTo(Math.log(2), 12);
    expect(d[3]).toBeCloseTo(0, 12);
    expect(() => encodeDelta({ x0: 0, y0: 0, x1: 0, y1: 2 }, d as unknown as BoxXYXY)).toThrow(/positive width/);
  });

  it('lays anchors out row, column, size, ratio with the requested sizes and ratios', () => {
    const anchors = anchorGrid({ rows: 2, cols: 3, stride: 4, sizes: [4, 8], aspectRatios: [0.5, 2] });
    expect(anchors).toHaveLength(2 * 3 * 4);
    // Cell (1, 2), size 8, ratio 2 (taller than wide): the last anchor.
    const a = anchors[anchors.length - 1]!;
    expect((a.x0 + a.x1) / 2).toBeCloseTo(10, 12);
    expect((a.y0 + a.y1) / 2).toBeCloseTo(6, 12);
    expect((a.y1 - a.y0) / (a.x1 - a.x0)).toBeCloseTo(2, 12);
    expect(Math.sqrt((a.y1 - a.y0) * (a.x1 - a.x0))).toBeCloseTo(8, 12);
    expect(() => anchorGrid({ rows: 0, cols: 3, stride: 4, sizes: [4], aspectRatios: [1] })).toThrow(/rows/);
  });
});

describe('nms', () => {
  it('keeps the same boxes as tf.image.nonMaxSuppression on random sets', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + rng.int(60);
      const boxes = Array.from({ length: n }, () => randomBox(rng, 40));
      const scores = Array.from({ length: n }, () => rng.random());
      const threshold = [0.3, 0.5, 0.7][trial % 3]!;
      const ours = nms(boxes, scores, threshold);
      const theirs = tf.tidy(() =>
        Array.from(
          tf.image
            .nonMaxSuppression(
              tf.tensor2d(boxes.map((b) => [b.y0, b.x0, b.y1, b.x1])),
              tf.tensor1d(scores),
              n,
              threshold,
            )
            .dataSync(),
        ),
      );
      expect(ours).toEqual(theirs);
      expect(ours.length).toBeLessThan(n + 1);
    }
  });

  it('suppresses overlaps above the threshold only, honours maxOutput and scoreThreshold', () => {
    const boxes = [
      { x0: 0, y0: 0, x1: 10, y1: 10 },
      { x0: 1, y0: 0, x1: 11, y1: 10 }, // IoU 9/11 with box 0
      { x0: 20, y0: 20, x1: 30, y1: 30 },
      { x0: 5, y0: 0, x1: 15, y1: 10 }, // IoU 1/3 with box 0
    ];
    const scores = [0.9, 0.8, 0.7, 0.6];
    expect(nms(boxes, scores, 0.5)).toEqual([0, 2, 3]);
    expect(nms(boxes, scores, 0.3)).toEqual([0, 2]);
    expect(nms(boxes, scores, 0.5, { maxOutput: 2 })).toEqual([0, 2]);
    expect(nms(boxes, scores, 0.5, { scoreThreshold: 0.65 })).toEqual([0, 2]);
    expect(() => nms(boxes, [1, 2], 0.5)).toThrow(/4 boxes but 2 scores/);
    expect(() => nms(boxes, scores, 1.5)).toThrow(/iouThreshold/);
  });
});

describe('mean average precision', () => {
  it('integrates the interpolated precision-recall curve (all points)', () => {
    // Ranked TP, FP, TP with 3 objects: recall 1/3 at precision 1, 2/3 at 2/3.
    expect(averagePrecision([true, false, true], 3)).toBeCloseTo(1 / 3 + (1 / 3) * (2 / 3), 12);
    // A late hit raises the earlier precision (interpolation): P = [0, 1/2] → envelope [1/2, 1/2].
    expect(averagePrecision([false, true], 1)).toBeCloseTo(0.5, 12);
    expect(averagePrecision([], 2)).toBe(0);
    expect(() => averagePrecision([true], 0)).toThrow(/numGroundTruth/);
  });

  it('matches each true box once, per class, and averages over classes with ground truth', () => {
    const box = (x: number): BoxXYXY => ({ x0: x, y0: 0, x1: x + 10, y1: 10 });
    const gt: LabeledBox[][] = [
      [
        { classId: 0, box: box(0) },
        { classId: 1, box: box(20) },
      ],
      [{ classId: 0, box: box(40) }],
    ];
    const dets: Detection[][] = [
      [
        { classId: 0, box: box(1), score: 0.9 }, // TP (IoU 9/11)
        { classId: 0, box: box(0), score: 0.8 }, // duplicate of a matched box: FP
        { classId: 1, box: box(26), score: 0.7 }, // IoU 4/16 < 0.5: FP
      ],
      [{ classId: 0, box: box(40), score: 0.95 }], // TP
    ];
    const r = meanAveragePrecision(dets, gt, 3);
    // Class 0 ranked: TP (0.95), TP (0.9), FP: AP 1. Class 1: no hit: AP 0. Class 2: no ground truth.
    expect(r.perClass).toEqual([1, 0, null]);
    expect(r.map).toBeCloseTo(0.5, 12);
    // At IoU 0.2 the class-1 detection counts.
    expect(meanAveragePrecision(dets, gt, 3, 0.2).perClass[1]).toBe(1);
    expect(() => meanAveragePrecision(dets, gt.slice(1), 3)).toThrow(/2 images of detections but 1/);
    expect(() => meanAveragePrecision([[{ classId: 5, box: box(0), score: 1 }], []], gt, 3)).toThrow(/classId/);
  });
});

describe('roiMaxPool', () => {
  it('max-pools each bin of the projected window', () => {
    // One 4×4 single-channel map with values 0 … 15; a box over the whole 8×8 image at stride 2.
    const out = tf.tidy(() => {
      const f = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
      return Array.from(roiMaxPool(f, [{ batchIndex: 0, box: { x0: 0, y0: 0, x1: 8, y1: 8 } }], { outputSize: 2, spatialScale: 0.5 }).dataSync());
    });
    expect(out).toEqual([5, 7, 13, 15]);
    const small = tf.tidy(() => {
      const f = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
      // Pixels [2, 6) × [0, 2) → cells row 0, columns 1 … 2; a 2×2 grid repeats the single row.
      return Array.from(roiMaxPool(f, [{ batchIndex: 0, box: { x0: 2, y0: 0, x1: 6, y1: 2 } }], { outputSize: 2, spatialScale: 0.5 }).dataSync());
    });
    expect(small).toEqual([1, 2, 1, 2]);
  });

  it('passes the numeric gradient check, with regions sharing cells and several images', () => {
    // Distinct values far apart (a shuffled ramp) so no bin's maximum changes within ±eps.
    const rng = new Rng(3);
    const n = 2 * 6 * 6 * 3;
    const values = Array.from({ length: n }, (_, i) => i * 0.1);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [values[i], values[j]] = [values[j]!, values[i]!];
    }
    const features = tf.tensor4d(values, [2, 6, 6, 3]);
    const rois = [
      { batchIndex: 0, box: { x0: 0, y0: 0, x1: 24, y1: 24 } },
      { batchIndex: 0, box: { x0: 4, y0: 4, x1: 16, y1: 12 } },
      { batchIndex: 1, box: { x0: 8, y0: 0, x1: 12, y1: 20 } },
      { batchIndex: 1, box: { x0: 8, y0: 0, x1: 12, y1: 20 } },
    ];
    const weights = tf.tidy(() => tf.randomNormal([rois.length, 3, 3, 3], 0, 1, 'float32', 5));
    const f = (x: tf.Tensor) => tf.sum(tf.mul(roiMaxPool(x as tf.Tensor4D, rois, { outputSize: 3, spatialScale: 0.25 }), weights)) as tf.Scalar;
    const result = gradCheck(f, features, { maxChecks: n });
    expect(result.passed).toBe(true);
    expect(result.checked).toBe(n);
    // The gradient is not trivially zero: some cells won bins.
    const g = tf.tidy(() => tf.grad(f)(features).abs().sum().dataSync()[0]!);
    expect(g).toBeGreaterThan(1);
    tf.dispose([features, weights]);
  });

  it('rejects bad regions and options, and leaks no tensors', () => {
    const f = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    expect(() => roiMaxPool(f, [{ batchIndex: 1, box: { x0: 0, y0: 0, x1: 2, y1: 2 } }], { outputSize: 2, spatialScale: 1 })).toThrow(/batchIndex 1/);
    expect(() => roiMaxPool(f, [{ batchIndex: 0, box: { x0: 3, y0: 0, x1: 2, y1: 2 } }], { outputSize: 2, spatialScale: 1 })).toThrow(/x0 <= x1/);
    expect(() => roiMaxPool(f, [], { outputSize: 0, spatialScale: 1 })).toThrow(/outputSize/);
    const run = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([1, 4, 4, 2]);
        tf.grad((t: tf.Tensor) => tf.sum(roiMaxPool(t as tf.Tensor4D, [{ batchIndex: 0, box: { x0: 0, y0: 0, x1: 3, y1: 3 } }], { outputSize: 2, spatialScale: 1 })))(x);
      });
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    f.dispose();
  });
});

describe('detector training targets', () => {
  const anchors = anchorGrid({ rows: 10, cols: 10, stride: 4, sizes: [4, 8], aspectRatios: [0.5, 1, 2] });
  const sampling = { batchSize: 32, positiveFraction: 0.5, positiveIoU: 0.5, negativeIoU: 0.3 };

  it('labels anchors by IoU, gives every object its best anchor, and caps the sample', () => {
    const ball = { x0: 8, y0: 8, x1: 12, y1: 12 }; // exactly a 4×4 anchor
    const thin = { x0: 1, y0: 30, x1: 39, y1: 31 }; // overlaps no anchor by 0.5
    const t = anchorTargets(anchors, [ball, thin], sampling, new Rng(1));
    const positives = [...t.objectness.keys()].filter((i) => t.objectness[i] === 1);
    expect(positives.length).toBe(t.positives);
    expect(t.positives).toBeGreaterThanOrEqual(2);
    expect(t.positives + t.negatives).toBe(32);
    // Positives are sampled and regress onto their box; the exact anchor has a zero delta.
    const exact = anchors.findIndex((a) => a.x0 === 8 && a.y0 === 8 && a.x1 === 12 && a.y1 === 12);
    expect(t.objectness[exact]).toBe(1);
    expect(Array.from(t.deltas.subarray(exact * 4, exact * 4 + 4)).map((v) => Math.abs(v))).toEqual([0, 0, 0, 0]);
    // The thin box still has a positive (its best anchor), whose delta decodes onto it.
    const forThin = positives.filter((i) => iou(anchors[i]!, thin) > 0 && iou(anchors[i]!, ball) === 0);
    expect(forThin.length).toBeGreaterThan(0);
    const d = t.deltas.subarray(forThin[0]! * 4, forThin[0]! * 4 + 4);
    const back = decodeDelta(anchors[forThin[0]!]!, d[0]!, d[1]!, d[2]!, d[3]!);
    expect(back.x0).toBeCloseTo(thin.x0, 4);
    expect(back.y1).toBeCloseTo(thin.y1, 4);
    for (let i = 0; i < anchors.length; i++) {
      if (t.sampled[i] === 1 && t.objectness[i] === 0) expect(Math.max(iou(anchors[i]!, ball), iou(anchors[i]!, thin))).toBeLessThan(0.3);
    }
    // No objects: every sampled anchor is negative.
    const empty = anchorTargets(anchors, [], sampling, new Rng(1));
    expect([empty.positives, empty.negatives]).toEqual([0, 32]);
  });

  it('decodes proposals from the best anchors and thins them by NMS', () => {
    const n = anchors.length;
    const logits = new Float32Array(n).fill(-5);
    const deltas = new Float32Array(n * 4);
    // Two neighbouring anchors both pointing at the same spot, one anchor elsewhere.
    const a = anchors.findIndex((b) => b.x0 === 8 && b.y0 === 8 && b.x1 === 12);
    const b = a + 6; // next cell, same size and ratio
    const c = anchors.findIndex((x) => x.x0 === 28 && x.y0 === 28 && x.x1 === 32);
    logits[a] = 3;
    logits[b] = 2;
    logits[c] = 1;
    deltas[b * 4] = -1; // shift one anchor width left: onto anchor a's box
    const props = proposeRegions(anchors, logits, deltas, 0, { width: 40, height: 40, preNmsTopN: 10, postNmsTopN: 5, nmsThreshold: 0.7, minSize: 1 });
    expect(props[0]!.box).toEqual(anchors[a]);
    expect(props.some((p) => p.score === 2)).toBe(false); // suppressed duplicate
    expect(props.some((p) => p.box.x0 === 28 && p.box.y0 === 28)).toBe(true);
    expect(props.length).toBeLessThanOrEqual(5);
  });

  it('samples head regions: true boxes join the proposals, labelled with class + 1, background 0', () => {
    const truth = [{ classId: 1, box: { x0: 0, y0: 0, x1: 8, y1: 4 } }];
    const proposals = [
      { x0: 0, y0: 0, x1: 8, y1: 5 }, // IoU 0.8: foreground
      { x0: 20, y0: 20, x1: 30, y1: 30 }, // background
    ];
    const regions = regionTargets(proposals, truth, { batchSize: 8, positiveFraction: 0.5, positiveIoU: 0.5 }, [0.1, 0.1, 0.2, 0.2], new Rng(2));
    expect(regions).toHaveLength(3);
    const fg = regions.filter((r) => r.label === 2);
    expect(fg).toHaveLength(2);
    // The true box itself: zero delta. The taller proposal: log(4/5) / 0.2 in h.
    expect(fg.some((r) => r.delta!.every((v) => Math.abs(v) < 1e-12))).toBe(true);
    const tall = fg.find((r) => r.box.y1 === 5)!;
    expect(tall.delta![3]).toBeCloseTo(Math.log(4 / 5) / 0.2, 9);
    expect(regions.filter((r) => r.label === 0).map((r) => r.delta)).toEqual([null]);
  });
});

/** Frames showing one object each: a kind drawn at random, then one shape of that kind, alone. */
function singleObjectSet(scenes: readonly Scene[], kinds: readonly string[], rng: Rng): { frames: Uint8Array[]; targets: LabeledBox[] } {
  const frames: Uint8Array[] = [];
  const targets: LabeledBox[] = [];
  for (const scene of scenes) {
    const present = kinds.filter((k) => scene.shapes.some((s) => s.kind === k));
    const kind = present[rng.int(present.length)]!;
    const candidates = scene.shapes.filter((s) => s.kind === kind);
    const alone: Scene = { ...scene, shapes: [candidates[rng.int(candidates.length)]!] };
    const objects = sceneBoxes(alone, SIZE, SIZE, kinds, rasterizeLabels(alone, SIZE, SIZE, kinds), 'shape');
    if (objects.length !== 1) continue;
    frames.push(rasterize(alone, SIZE, SIZE).data);
    targets.push(toLabeledBoxes(objects)[0]!);
  }
  return { frames, targets };
}

describe('Localizer (classification + localization)', () => {
  it('learns class and box of single Breakout objects, scored on held-out episodes', async () => {
    const rng = new Rng(11);
    const train = singleObjectSet(rolloutScenes('MinAtar/Breakout-v1', seedRange(0, 40), 60), BREAKOUT_KINDS, rng);
    const test = singleObjectSet(rolloutScenes('MinAtar/Breakout-v1', seedRange(1000, 15), 60), BREAKOUT_KINDS, rng);
    expect(train.frames.length).toBeGreaterThan(150);
    expect(test.frames.length).toBeGreaterThan(50);
    const localizer = new Localizer({ numClasses: BREAKOUT_KINDS.length, inputShape: [SIZE, SIZE, 3], seed: 1 });
    const untrained = scoreLocalization(localizer.predict(test.frames), test.targets);
    const batch = 16;
    let losses = localizer.trainStep(train.frames.slice(0, batch), train.targets.slice(0, batch));
    const firstLoss = losses.total;
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const steps = 300;
    for (let step = 1; step < steps; step++) {
      // Linear decay to a tenth: the last steps refine boxes to the pixel.
      localizer.setLearningRate(4e-3 * (1 - (0.9 * step) / steps));
      const idx = Array.from({ length: batch }, () => rng.int(train.frames.length));
      losses = localizer.trainStep(
        idx.map((i) => train.frames[i]!),
        idx.map((i) => train.targets[i]!),
      );
    }
    const ms = performance.now() - t0;
    expect(tf.memory().numTensors).toBe(before);
    const score = scoreLocalization(localizer.predict(test.frames), test.targets);
    console.log(`localizer: ${test.frames.length} held-out frames, accuracy ${score.accuracy.toFixed(3)}, mean IoU ${score.meanIoU.toFixed(3)} (untrained ${untrained.accuracy.toFixed(3)} / ${untrained.meanIoU.toFixed(3)}); loss ${firstLoss.toFixed(3)} → ${losses.total.toFixed(3)}; ${(ms / (steps - 1)).toFixed(1)} ms/step`);
    expect(losses.total).toBeLessThan(firstLoss / 5);
    expect(score.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(score.meanIoU).toBeGreaterThanOrEqual(0.6);
    expect(untrained.meanIoU).toBeLessThan(0.5);

    // Saved and loaded, it predicts the same.
    const dir = mkdtempSync(join(tmpdir(), 'pixelgym-localizer-'));
    dirs.push(dir);
    await localizer.save(dir);
    const loaded = await Localizer.load(dir);
    expect(loaded.predict(test.frames.slice(0, 5))).toEqual(localizer.predict(test.frames.slice(0, 5)));
    loaded.dispose();
    expect(() => localizer.trainStep([new Uint8Array(10)], test.targets.slice(0, 1))).toThrow(/frame 0 must hold 4800/);
    expect(() => localizer.trainStep(test.frames.slice(0, 1), [{ classId: 9, box: test.targets[0]!.box }])).toThrow(/classId 9/);
    localizer.dispose();
  });
});

/**
 * Distinct frames of random-policy play (collectFrames), shuffled and split 3:1 into training and
 * held-out frames: no held-out frame is ever trained on.
 */
function distinctFrames(id: string, kinds: readonly string[], n: number, seed: number) {
  const env = make(id, { obsType: 'rgb', width: SIZE, height: SIZE });
  const dataset = collectFrames(env, 'random', n, { seed, width: SIZE, height: SIZE, kinds });
  env.close();
  const firstOf = new Map<string, number>();
  for (let i = 0; i < dataset.size; i++) {
    const key = Buffer.from(dataset.frame(i)).toString('base64');
    if (!firstOf.has(key)) firstOf.set(key, i);
  }
  const { train, validation } = dataset.subset([...firstOf.values()]).split(0.75, seed);
  return { train: detectionSamples(train), test: detectionSamples(validation) };
}

describe('TwoStageDetector', () => {
  it('reaches mAP@0.5 >= 0.8 on held-out Catch frames, without leaking tensors', async () => {
    const kinds = ['ball', 'paddle'];
    const rng = new Rng(5);
    // Catch has 5 × 10 ball cells × 5 paddle cells; the held-out frames are combinations never trained on.
    const { train, test } = distinctFrames('Catch-v0', kinds, 1500, 5);
    expect(train.frames.length).toBeGreaterThan(120);
    expect(test.frames.length).toBeGreaterThan(40);
    // The paddle starts in the middle column of the bottom row: 8×4-pixel cells at 40×40.
    expect(train.objects.flat().some((o) => o.classId === 1 && o.box.x0 === 16 && o.box.y0 === 36 && o.box.x1 === 24 && o.box.y1 === 40)).toBe(true);
    const detector = new TwoStageDetector({ numClasses: 2, classNames: kinds, inputShape: [SIZE, SIZE, 3], seed: 1 });
    const truth = test.objects;
    const untrained = meanAveragePrecision(detector.detect(test.frames), truth, 2).map;
    const steps = 120;
    const batch = 8;
    const lr = detector.config.learningRate;
    let first = 0;
    let last = 0;
    let before = 0;
    const t0 = performance.now();
    for (let step = 0; step < steps; step++) {
      detector.setLearningRate(lr * (1 - (0.9 * step) / steps));
      const idx = Array.from({ length: batch }, () => rng.int(train.frames.length));
      const losses = detector.trainStep(
        idx.map((i) => train.frames[i]!),
        idx.map((i) => train.objects[i]!),
      );
      if (step === 0) {
        first = losses.total;
        before = tf.memory().numTensors;
      }
      last = losses.total;
    }
    const ms = (performance.now() - t0) / steps;
    expect(tf.memory().numTensors).toBe(before);
    const detections = detector.detect(test.frames);
    const after = tf.memory().numTensors;
    detector.detect(test.frames.slice(0, 4));
    expect(tf.memory().numTensors).toBe(after);
    const result = meanAveragePrecision(detections, truth, 2);
    console.log(
      `detector on Catch: ${test.frames.length} held-out frames, mAP@0.5 ${result.map.toFixed(3)} (ball ${result.perClass[0]?.toFixed(3)}, paddle ${result.perClass[1]?.toFixed(3)}), untrained ${untrained.toFixed(3)}; loss ${first.toFixed(3)} → ${last.toFixed(3)}; ${ms.toFixed(0)} ms/step`,
    );
    expect(result.map).toBeGreaterThanOrEqual(0.8);
    expect(untrained).toBeLessThan(0.5);
    expect(last).toBeLessThan(first / 5);
    // Detections are well-formed: known classes, scores in [0, 1], boxes inside the frame, best first.
    for (const dets of detections) {
      dets.forEach((d, i) => {
        expect(d.classId === 0 || d.classId === 1).toBe(true);
        expect(d.score).toBeGreaterThan(0);
        expect(d.score).toBeLessThanOrEqual(1);
        expect(d.box.x0).toBeGreaterThanOrEqual(0);
        expect(d.box.x1).toBeLessThanOrEqual(SIZE);
        if (i > 0) expect(d.score).toBeLessThanOrEqual(dets[i - 1]!.score);
      });
    }

    const dir = mkdtempSync(join(tmpdir(), 'pixelgym-detector-'));
    dirs.push(dir);
    await detector.save(dir);
    const loaded = await TwoStageDetector.load(dir);
    expect(loaded.detect(test.frames.slice(0, 6))).toEqual(detector.detect(test.frames.slice(0, 6)));
    expect(loaded.classNames).toEqual(kinds);
    loaded.dispose();
    await expect(TwoStageDetector.load(join(dir, 'backbone'))).rejects.toThrow(/cannot read two-stage-detector/);

    // Bad input: a clear error, and the weights do not move.
    const probe = detector.detect([test.frames[0]!]);
    expect(() => detector.trainStep([test.frames[0]!], [[{ classId: 2, box: { x0: 0, y0: 0, x1: 4, y1: 4 } }]])).toThrow(/classId 2/);
    expect(() => detector.trainStep([test.frames[0]!], [[{ classId: 0, box: { x0: 5, y0: 0, x1: 4, y1: 4 } }]])).toThrow(/x0 <= x1/);
    expect(() => detector.trainStep([test.frames[0]!], [])).toThrow(/1 frames but 0/);
    expect(() => detector.detect([new Uint8Array(7)])).toThrow(/frame 0 must hold 4800/);
    expect(detector.detect([test.frames[0]!])).toEqual(probe);
    expect(() => new TwoStageDetector({ numClasses: 2, rpnNegativeIoU: 0.8 })).toThrow(/rpnNegativeIoU/);
    // A frame with no objects trains too (every anchor negative, every region background).
    const empty = detector.trainStep([test.frames[0]!], [[]]);
    expect(Number.isFinite(empty.total)).toBe(true);
    expect(empty.headBox).toBe(0);
    detector.dispose();
  });
});
