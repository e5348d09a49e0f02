// Detection and segmentation on the wasm back end: inference milliseconds per frame (batch 1, as a
// wrapper calls it every env step, and batch 16), training milliseconds per step, and the quality the
// tests' budgets reach on held-out frames — the two-stage detector on Catch (2 classes) and on Breakout
// (4 classes, brick runs included), the segmenter on Breakout, the localizer on single Breakout objects.
// Writes bench/results/vision.json, sections 'detection' and 'segmentation'. The machine is shared:
// besides wall-clock medians, CPU milliseconds of this process per call are given (less sensitive to
// other processes taking the cores).
import '../envs/index.js';
import { make } from '../envs/registry.js';
import { Rng } from '../envs/rng.js';
import { selectBackend } from '../nets/backend.js';
import { collectFrames, type FrameDataset } from '../nets/vision/data/index.js';
import { Localizer, TwoStageDetector, detectionSamples, meanAveragePrecision, toLabeledBoxes } from '../nets/vision/detection/index.js';
import { Segmenter, meanIoU } from '../nets/vision/segmentation/index.js';
import { median, writeResults } from './util.js';

const SIZE = 40;

interface Timing {
  /** Wall-clock ms per unit (frame or step), median over blocks. */
  medianMs: number;
  bestMs: number;
  /** CPU ms of this process per unit. */
  cpuMs: number;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Times `blocks` calls of fn (after one warm-up), each covering `units` units. */
function time(fn: () => void, blocks: number, units = 1): Timing {
  fn();
  const per: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    fn();
    per.push((performance.now() - t0) / units);
  }
  const cpu = process.cpuUsage(cpu0);
  return { medianMs: round(median(per)), bestMs: round(Math.min(...per)), cpuMs: round((cpu.user + cpu.system) / 1000 / (blocks * units)) };
}

function dataset(id: string, kinds: string[], n: number, seed: number): FrameDataset {
  const env = make(id, { obsType: 'rgb', width: SIZE, height: SIZE });
  const d = collectFrames(env, 'random', n, { seed, width: SIZE, height: SIZE, kinds, boxes: 'shape' });
  env.close();
  return d;
}

/** Distinct frames only, split 3:1, so no held-out frame was trained on (Catch repeats frames a lot). */
function distinctSplit(d: FrameDataset, seed: number) {
  const first = new Map<string, number>();
  for (let i = 0; i < d.size; i++) {
    const key = Buffer.from(d.frame(i)).toString('base64');
    if (!first.has(key)) first.set(key, i);
  }
  const { train, validation } = d.subset([...first.values()]).split(0.75, seed);
  return { train: detectionSamples(train), test: detectionSamples(validation) };
}

function trainDetector(id: string, kinds: string[], frames: number, steps: number) {
  const { train, test } = distinctSplit(dataset(id, kinds, frames, 5), 5);
  const detector = new TwoStageDetector({ numClasses: kinds.length, classNames: kinds, inputShape: [SIZE, SIZE, 3], seed: 1 });
  const rng = new Rng(5);
  const lr = detector.config.learningRate;
  let step = 0;
  const trainStep = time(
    () => {
      detector.setLearningRate(lr * (1 - (0.9 * step) / steps));
      step++;
      const idx = Array.from({ length: 8 }, () => rng.int(train.frames.length));
      detector.trainStep(
        idx.map((i) => train.frames[i]!),
        idx.map((i) => train.objects[i]!),
      );
    },
    steps - 1,
  );
  const result = meanAveragePrecision(detector.detect(test.frames), test.objects, kinds.length);
  return {
    detector,
    test,
    figures: {
      classes: kinds,
      trainFrames: train.frames.length,
      heldOutFrames: test.frames.length,
      steps,
      batch: 8,
      mAP50: round(result.map),
      apPerClass: Object.fromEntries(kinds.map((k, i) => [k, result.perClass[i] === null ? null : round(result.perClass[i]!)])),
      trainStepMs: trainStep,
    },
  };
}

async function detection(): Promise<Record<string, unknown>> {
  const catchRun = trainDetector('Catch-v0', ['ball', 'paddle'], 1500, 120);
  const breakoutRun = trainDetector('MinAtar/Breakout-v1', ['paddle', 'ball', 'trail', 'brick'], 1200, 300);
  const frames = breakoutRun.test.frames;
  let i = 0;
  const detect1 = time(() => breakoutRun.detector.detect([frames[i++ % frames.length]!]), 100);
  const detect16 = time(() => breakoutRun.detector.detect(frames.slice(0, 16)), 20, 16);

  // The classifier-localizer's speed (its accuracy is measured by test/vision/detection.test.ts): any
  // frames and targets do for timing.
  const single = dataset('MinAtar/Breakout-v1', ['paddle', 'ball', 'trail', 'brick'], 200, 9);
  const localizer = new Localizer({ numClasses: 4, inputShape: [SIZE, SIZE, 3], seed: 1 });
  const one = Array.from({ length: single.size }, (_, j) => single.frame(j));
  let j = 0;
  const localize1 = time(() => localizer.predict([one[j++ % one.length]!]), 100);
  const targets = toLabeledBoxes(single.boxes[0]!).slice(0, 1);
  const localizerStep = time(() => localizer.trainStep(one.slice(0, 16), Array.from({ length: 16 }, () => targets[0]!)), 20);
  catchRun.detector.dispose();
  breakoutRun.detector.dispose();
  localizer.dispose();
  return {
    frame: `${SIZE}×${SIZE} RGB`,
    detector: { catch: catchRun.figures, breakout: breakoutRun.figures },
    detectMsPerFrame: { batch1: detect1, batch16: detect16 },
    localizer: { predictMsPerFrame: localize1, trainStepMs: localizerStep, batch: 16 },
  };
}

async function segmentation(): Promise<Record<string, unknown>> {
  const kinds = ['paddle', 'ball', 'trail', 'brick'];
  const { train, validation } = dataset('MinAtar/Breakout-v1', kinds, 700, 3).split(0.7, 3, { byEpisode: true });
  const trainFrames = Array.from({ length: train.size }, (_, i) => train.frame(i));
  const trainMasks = Array.from({ length: train.size }, (_, i) => train.mask(i));
  const testFrames = Array.from({ length: validation.size }, (_, i) => validation.frame(i));
  const segmenter = new Segmenter({ numClasses: 5, classNames: ['background', ...kinds], inputShape: [SIZE, SIZE, 3], classWeights: [0.2, 1, 1, 1, 1], seed: 1 });
  const rng = new Rng(4);
  const steps = 100;
  let step = 0;
  const trainStep = time(
    () => {
      segmenter.setLearningRate(5e-3 * (1 - (0.9 * step) / steps));
      step++;
      const idx = Array.from({ length: 8 }, () => rng.int(trainFrames.length));
      segmenter.trainStep(
        idx.map((i) => trainFrames[i]!),
        idx.map((i) => trainMasks[i]!),
      );
    },
    steps - 1,
  );
  const predicted = segmenter.segment(testFrames);
  const flat = new Uint8Array(predicted.length * SIZE * SIZE);
  predicted.forEach((m, i) => flat.set(m, i * SIZE * SIZE));
  const score = meanIoU(flat, validation.masks, 5);
  let i = 0;
  const segment1 = time(() => segmenter.segment([testFrames[i++ % testFrames.length]!]), 100);
  const segment16 = time(() => segmenter.segment(testFrames.slice(0, 16)), 20, 16);
  segmenter.dispose();
  return {
    frame: `${SIZE}×${SIZE} RGB`,
    env: 'MinAtar/Breakout-v1',
    classes: ['background', ...kinds],
    trainFrames: trainFrames.length,
    heldOutFrames: testFrames.length,
    steps,
    batch: 8,
    meanIoU: round(score.meanIoU),
    iouPerClass: Object.fromEntries(['background', ...kinds].map((k, c) => [k, score.perClass[c] === null ? null : round(score.perClass[c]!)])),
    pixelAccuracy: round(score.pixelAccuracy, 5),
    trainStepMs: trainStep,
    segmentMsPerFrame: { batch1: segment1, batch16: segment16 },
  };
}

export async function main(): Promise<void> {
  await selectBackend('wasm');
  const det = await detection();
  console.log(JSON.stringify(det, null, 2));
  writeResults('vision.json', 'detection', det);
  const seg = await segmentation();
  console.log(JSON.stringify(seg, null, 2));
  writeResults('vision.json', 'segmentation', seg);
}
