// Semantic segmentation (cs231n ch. 10.1): mean IoU on hand-worked maps, and the encoder–decoder trained
// on Breakout frames, scored on held-out episodes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../envs/index.js';
import { make } from '../../envs/registry.js';
import { Rng } from '../../envs/rng.js';
import { selectBackend } from '../../nets/backend.js';
import { collectFrames, type FrameDataset } from '../../nets/vision/data/index.js';
import { Segmenter, meanIoU } from '../../nets/vision/segmentation/index.js';

const SIZE = 40;
const KINDS = ['paddle', 'ball', 'trail', 'brick'];

beforeAll(async () => {
  await selectBackend('wasm');
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('meanIoU', () => {
  it('scores per class, skips classes in neither map, and counts pixel accuracy', () => {
    // 0 0 1 1 / 0 2 1 1 against 0 0 1 2 / 0 0 1 1.
    const pred = [0, 0, 1, 1, 0, 2, 1, 1];
    const target = [0, 0, 1, 2, 0, 0, 1, 1];
    const r = meanIoU(pred, target, 4);
    // Class 0: 3 shared of 4; class 1: 3 of 4; class 2: 0 of 2; class 3 absent.
    expect(r.perClass).toEqual([3 / 4, 3 / 4, 0, null]);
    expect(r.meanIoU).toBeCloseTo(0.5, 12);
    expect(r.pixelAccuracy).toBeCloseTo(6 / 8, 12);
    expect(meanIoU(target, target, 3).meanIoU).toBe(1);
    expect(() => meanIoU([0, 1], [0], 2)).toThrow(/2 predicted labels but 1/);
    expect(() => meanIoU([0, 5], [0, 1], 2)).toThrow(/\[0, 2\)/);
  });
});

function flat(maps: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(maps.reduce((n, m) => n + m.length, 0));
  let off = 0;
  for (const m of maps) {
    out.set(m, off);
    off += m.length;
  }
  return out;
}

function framesOf(d: FrameDataset): { frames: Uint8Array[]; masks: Uint8Array[] } {
  return { frames: Array.from({ length: d.size }, (_, i) => d.frame(i)), masks: Array.from({ length: d.size }, (_, i) => d.mask(i)) };
}

describe('Segmenter', () => {
  it('reaches mean IoU >= 0.9 on held-out Breakout episodes at 40×40, without leaking tensors', async () => {
    const env = make('MinAtar/Breakout-v1', { obsType: 'rgb', width: SIZE, height: SIZE });
    const dataset = collectFrames(env, 'random', 700, { seed: 3, width: SIZE, height: SIZE, kinds: KINDS });
    env.close();
    // Whole episodes on one side: neighbouring frames of an episode are near duplicates.
    const split = dataset.split(0.7, 3, { byEpisode: true });
    const train = framesOf(split.train);
    const test = framesOf(split.validation);
    expect(test.frames.length).toBeGreaterThan(100);
    const numClasses = KINDS.length + 1;
    // Background is most of every frame; a lighter weight lets the one-cell ball and trail count.
    const segmenter = new Segmenter({ numClasses, classNames: ['background', ...KINDS], inputShape: [SIZE, SIZE, 3], classWeights: [0.2, 1, 1, 1, 1], seed: 1 });
    const untrained = meanIoU(flat(segmenter.segment(test.frames)), flat(test.masks), numClasses);
    const rng = new Rng(4);
    const steps = 100;
    const batch = 8;
    const lr = segmenter.config.learningRate;
    let first = 0;
    let last = 0;
    let before = 0;
    const t0 = performance.now();
    for (let step = 0; step < steps; step++) {
      segmenter.setLearningRate(lr * (1 - (0.9 * step) / steps));
      const idx = Array.from({ length: batch }, () => rng.int(train.frames.length));
      last = segmenter.trainStep(
        idx.map((i) => train.frames[i]!),
        idx.map((i) => train.masks[i]!),
      ).total;
      if (step === 0) {
        first = last;
        before = tf.memory().numTensors;
      }
    }
    const ms = (performance.now() - t0) / steps;
    expect(tf.memory().numTensors).toBe(before);
    const predicted = segmenter.segment(test.frames);
    const result = meanIoU(flat(predicted), flat(test.masks), numClasses);
    console.log(
      `segmenter on Breakout: ${test.frames.length} held-out frames, mean IoU ${result.meanIoU.toFixed(3)} (${result.perClass.map((v) => v?.toFixed(3)).join(' / ')}), untrained ${untrained.meanIoU.toFixed(3)}; loss ${first.toFixed(3)} → ${last.toFixed(4)}; ${ms.toFixed(0)} ms/step`,
    );
    expect(result.meanIoU).toBeGreaterThanOrEqual(0.9);
    // Every class shows up in the held-out frames and is found.
    for (const v of result.perClass) expect(v).toBeGreaterThan(0.5);
    expect(untrained.meanIoU).toBeLessThan(0.5);
    expect(last).toBeLessThan(first / 10);
    const count = tf.memory().numTensors;
    segmenter.segment(test.frames.slice(0, 3));
    expect(tf.memory().numTensors).toBe(count);

    const dir = mkdtempSync(join(tmpdir(), 'pixelgym-segmenter-'));
    dirs.push(dir);
    await segmenter.save(dir);
    const loaded = await Segmenter.load(dir);
    expect(loaded.segment(test.frames.slice(0, 4))).toEqual(predicted.slice(0, 4));
    expect(loaded.classNames).toEqual(['background', ...KINDS]);
    loaded.dispose();

    // Bad input: clear errors, weights unchanged.
    expect(() => segmenter.trainStep([test.frames[0]!], [new Uint8Array(SIZE * SIZE).fill(7)])).toThrow(/label 7 at pixel 0/);
    expect(() => segmenter.trainStep([test.frames[0]!], [new Uint8Array(3)])).toThrow(/must hold 1600/);
    expect(() => segmenter.segment([new Uint8Array(3)])).toThrow(/frame 0 must hold 4800/);
    expect(segmenter.segment(test.frames.slice(0, 4))).toEqual(predicted.slice(0, 4));
    expect(() => new Segmenter({ numClasses: 3, inputShape: [42, 42, 3] })).toThrow(/divisible by 4/);
    segmenter.dispose();
  });

  it('up-samples back to the input size with transposed convolutions, with or without skips', () => {
    for (const skipConnections of [true, false]) {
      const s = new Segmenter({ numClasses: 3, inputShape: [16, 24, 3], encoderFilters: [8, 8, 8], stemFilters: 4, skipConnections });
      expect(s.model.outputs[0]!.shape).toEqual([null, 16, 24, 3]);
      expect(s.model.layers.filter((l) => l.getClassName() === 'Conv2DTranspose')).toHaveLength(3);
      expect(s.model.layers.some((l) => l.getClassName() === 'Add')).toBe(skipConnections);
      const maps = s.segment([new Uint8Array(16 * 24 * 3).fill(100)]);
      expect(maps[0]!.length).toBe(16 * 24);
      expect(maps[0]!.every((v) => v < 3)).toBe(true);
      s.dispose();
    }
  });
});
