// Frame datasets: ground truth from the env's scene, splits, tensors and the file format.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatchEnv, make, shapeBounds, type Env } from '../../envs/index.js';
import { selectBackend } from '../../nets/backend.js';
import { FrameDataset, collectFrames, loadDataset, saveDataset } from '../../nets/vision/data/index.js';

let dir = '';
beforeAll(async () => {
  await selectBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'pixelgym-data-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function catchEnv(kwargs: Record<string, unknown> = {}): { env: Env<Uint8Array, number>; raw: CatchEnv } {
  const env = make<Uint8Array, number>('Catch-v0', kwargs);
  return { env, raw: env.unwrapped as CatchEnv };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

describe('collectFrames on Catch', () => {
  const { env, raw } = catchEnv();
  const seen: Uint8Array[] = [];
  const states: { ballX: number; ballY: number; paddleX: number }[] = [];
  // A policy that remembers what it saw and where the objects were.
  const ds = collectFrames(env, (obs) => {
    seen.push(obs.slice());
    states.push({ ballX: raw.ballX, ballY: raw.ballY, paddleX: raw.paddleX });
    return seen.length % 3;
  }, 45, { seed: 7 });
  const acted = Array.from({ length: ds.size }, (_, i) => i).filter((i) => ds.actions[i]! >= 0);

  it('records the pixels the env shows, at the render size, with kinds sorted', () => {
    expect(ds.size).toBe(45);
    expect([ds.width, ds.height]).toEqual([84, 84]);
    expect(ds.kinds).toEqual(['ball', 'paddle']);
    expect(acted.length).toBe(seen.length);
    acted.forEach((i, j) => expect(bytesEqual(ds.frame(i), seen[j]!)).toBe(true));
  });

  it('labels each pixel with the kind whose colour it has', () => {
    const colours = [0x000000, 0xffffff, 0x3fa9f5];
    for (let i = 0; i < ds.size; i += 4) {
      const f = ds.frame(i);
      const m = ds.mask(i);
      for (let p = 0; p < m.length; p++) expect((f[p * 3]! << 16) | (f[p * 3 + 1]! << 8) | f[p * 3 + 2]!).toBe(colours[m[p]!]);
    }
  });

  it('boxes each object where the env state puts it', () => {
    acted.forEach((i, j) => {
      const s = states[j]!;
      const ball = shapeBounds({ type: 'rect', x: s.ballX, y: s.ballY, w: 1, h: 1, color: 0 }, 84 / 5, 84 / 10);
      const paddle = shapeBounds({ type: 'rect', x: s.paddleX, y: 9, w: 1, h: 1, color: 0 }, 84 / 5, 84 / 10);
      const hidden = s.ballY === 9 && s.ballX === s.paddleX; // the ball is drawn over the paddle
      const expected = [{ kind: 0, ...ball }, ...(hidden ? [] : [{ kind: 1, ...paddle }])];
      expect(ds.boxes[i]).toEqual(expected);
      expect(ds.isPresent(i, 'ball')).toBe(true);
      expect(ds.isPresent(i, 'paddle')).toBe(!hidden);
    });
  });

  it('keeps episode structure: reset frame, 9 steps, terminal frame with no action', () => {
    for (let i = 0; i < ds.size; i++) {
      expect(ds.steps[i]).toBe(i % 10);
      expect(ds.episodes[i]).toBe(Math.floor(i / 10));
      if (i % 10 === 9) expect(ds.actions[i]).toBe(-1);
      if (i % 10 === 8) expect(Math.abs(ds.rewards[i]!)).toBe(1);
      else expect(ds.rewards[i]).toBe(0);
    }
  });

  it('is deterministic in the seed', () => {
    const a = collectFrames(catchEnv().env, 'random', 30, { seed: 3, width: 21, height: 21 });
    const b = collectFrames(catchEnv().env, 'random', 30, { seed: 3, width: 21, height: 21 });
    const c = collectFrames(catchEnv().env, 'random', 30, { seed: 4, width: 21, height: 21 });
    expect(bytesEqual(a.frames, b.frames)).toBe(true);
    expect(Array.from(a.actions)).toEqual(Array.from(b.actions));
    expect(bytesEqual(a.frames, c.frames) && Array.from(a.actions).join() === Array.from(c.actions).join()).toBe(false);
  });
});

describe('collectFrames on MinAtar Breakout', () => {
  it('uses the channel names as kinds and its masks match the channel observation', () => {
    const env = make<Uint8Array, number>('MinAtar/Breakout-v1', { obsType: 'channels' });
    const obs: Uint8Array[] = [];
    const ds = collectFrames(env, (o) => (obs.push(o.slice()), obs.length % 3), 40, { seed: 1, width: 10, height: 10 });
    expect(ds.kinds).toEqual(['paddle', 'ball', 'trail', 'brick']);
    const acted = Array.from({ length: ds.size }, (_, i) => i).filter((i) => ds.actions[i]! >= 0);
    acted.forEach((i, j) => {
      const m = ds.mask(i);
      const o = obs[j]!;
      for (let p = 0; p < 100; p++) {
        if (m[p] === 0) expect(Array.from(o.subarray(p * 4, p * 4 + 4))).toEqual([0, 0, 0, 0]);
        else expect(o[p * 4 + m[p]! - 1]).toBe(1);
      }
    });
  });

  it('merges touching bricks into one object, one box per kind in kind mode', () => {
    const env = () => make<Uint8Array, number>('MinAtar/Breakout-v1');
    const shape = collectFrames(env(), 'random', 12, { seed: 2, width: 20, height: 20, boxes: 'shape' });
    const touching = collectFrames(env(), 'random', 12, { seed: 2, width: 20, height: 20 });
    const kind = collectFrames(env(), 'random', 12, { seed: 2, width: 20, height: 20, boxes: 'kind' });
    const brick = shape.kindIndex('brick');
    const count = (d: FrameDataset, i: number) => d.boxes[i]!.filter((b) => b.kind === brick).length;
    for (let i = 0; i < 12; i++) {
      expect(count(shape, i)).toBeGreaterThanOrEqual(3); // three rows of bricks, one rect per run
      expect(count(touching, i)).toBe(1);
      const kinds = kind.boxes[i]!.map((b) => b.kind);
      expect(new Set(kinds).size).toBe(kinds.length);
    }
    expect(shape.boxes.some((l) => l.filter((b) => b.kind === brick).length > 3)).toBe(true); // a brick broke
    // Rows 1–3 of the 10×10 board at 2 pixels a cell, nothing in front of them in frame 1.
    expect(touching.boxes[1]!.find((b) => b.kind === brick)).toEqual({ kind: brick, x0: 0, y0: 2, x1: 20, y1: 8 });
    // The ball in front of a brick in frame 0 shrinks that brick run's visible box.
    expect(shape.boxes[0]!.filter((b) => b.kind === brick).map((b) => b.x0)).toEqual([0, 0, 2]);
  });
});

describe('FrameDataset', () => {
  const ds = collectFrames(catchEnv().env, 'random', 40, { seed: 11, width: 10, height: 20 });

  it('splits reproducibly into disjoint parts of the asked size', () => {
    const key = (d: FrameDataset) => Array.from({ length: d.size }, (_, i) => `${d.episodes[i]}:${d.steps[i]}`);
    const { train, validation } = ds.split(0.75, 5);
    expect([train.size, validation.size]).toEqual([30, 10]);
    const t = new Set(key(train));
    expect(key(validation).some((k) => t.has(k))).toBe(false);
    expect(new Set([...key(train), ...key(validation)]).size).toBe(40);
    expect(key(ds.split(0.75, 5).train)).toEqual(key(train));
    expect(key(ds.split(0.75, 6).train)).not.toEqual(key(train));
    const byEp = ds.split(0.5, 5, { byEpisode: true });
    const trainEps = new Set(byEp.train.episodes);
    expect(Array.from(byEp.validation.episodes).some((e) => trainEps.has(e))).toBe(false);
    expect(() => ds.split(1, 0)).toThrow(/ratio/);
    expect(() => ds.split(0.01, 0)).toThrow(/empty/);
  });

  it('subsets copy frames, masks and labels in the given order', () => {
    const s = ds.subset([5, 2, 5]);
    expect(s.size).toBe(3);
    expect(bytesEqual(s.frame(0), ds.frame(5))).toBe(true);
    expect(bytesEqual(s.frame(1), ds.frame(2))).toBe(true);
    expect(bytesEqual(s.mask(2), ds.mask(5))).toBe(true);
    expect(s.boxes[1]).toEqual(ds.boxes[2]);
    expect([s.actions[1], s.steps[1]]).toEqual([ds.actions[2], ds.steps[2]]);
    expect(() => ds.subset([40])).toThrow(/index/);
  });

  it('gives normalized tensors and frees them', () => {
    const before = tf.memory().numTensors;
    for (let r = 0; r < 3; r++) {
      const t = ds.toTensors({ masks: true });
      expect(t.images.shape).toEqual([40, 20, 10, 3]);
      expect(t.present.shape).toEqual([40, 2]);
      expect(t.masks!.shape).toEqual([40, 20, 10]);
      const img = t.images.dataSync();
      for (let i = 0; i < img.length; i += 37) expect(img[i]).toBeCloseTo(ds.frames[i]! / 255, 6);
      expect(Array.from(t.masks!.dataSync())).toEqual(Array.from(ds.masks));
      expect(Array.from(t.present.dataSync())).toEqual(Array.from(ds.present));
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects inconsistent parts', () => {
    const parts = { width: ds.width, height: ds.height, kinds: ds.kinds, frames: ds.frames, masks: ds.masks, present: ds.present, boxes: ds.boxes, actions: ds.actions, rewards: ds.rewards, episodes: ds.episodes, steps: ds.steps };
    expect(() => new FrameDataset({ ...parts, masks: ds.masks.subarray(1) })).toThrow(/masks/);
    const badMask = ds.masks.slice();
    badMask[3] = 9;
    expect(() => new FrameDataset({ ...parts, masks: badMask })).toThrow(/mask value/);
    expect(() => new FrameDataset({ ...parts, kinds: ['ball', 'ball'] })).toThrow(/distinct/);
    const boxes = ds.boxes.map((l) => [...l]);
    boxes[0] = [{ kind: 0, x0: 0, y0: 0, x1: 11, y1: 1 }];
    expect(() => new FrameDataset({ ...parts, boxes })).toThrow(/bad box/);
  });
});

describe('saveDataset / loadDataset', () => {
  const ds = collectFrames(catchEnv().env, 'random', 25, { seed: 21, width: 12, height: 12 });

  it('round-trips every array', () => {
    const path = join(dir, 'catch.pxf');
    saveDataset(path, ds);
    const back = loadDataset(path);
    expect(back.kinds).toEqual(ds.kinds);
    expect([back.width, back.height, back.size]).toEqual([12, 12, 25]);
    expect(bytesEqual(back.frames, ds.frames)).toBe(true);
    expect(bytesEqual(back.masks, ds.masks)).toBe(true);
    expect(bytesEqual(back.present, ds.present)).toBe(true);
    expect(back.boxes).toEqual(ds.boxes);
    expect(Array.from(back.actions)).toEqual(Array.from(ds.actions));
    expect(Array.from(back.rewards)).toEqual(Array.from(ds.rewards));
    expect(Array.from(back.episodes)).toEqual(Array.from(ds.episodes));
    expect(Array.from(back.steps)).toEqual(Array.from(ds.steps));
  });

  it('rejects truncated, modified and foreign files', () => {
    const path = join(dir, 'good.pxf');
    saveDataset(path, ds);
    const good = readFileSync(path);
    const bad = join(dir, 'bad.pxf');
    writeFileSync(bad, good.subarray(0, good.length - 100));
    expect(() => loadDataset(bad)).toThrow(/checksum|bytes/);
    const flipped = Buffer.from(good);
    flipped[200] ^= 0x01;
    writeFileSync(bad, flipped);
    expect(() => loadDataset(bad)).toThrow(/checksum/);
    writeFileSync(bad, Buffer.concat([Buffer.from('NOTFRAME'), good.subarray(8)]));
    expect(() => loadDataset(bad)).toThrow(/magic/);
    writeFileSync(bad, Buffer.alloc(10));
    expect(() => loadDataset(bad)).toThrow(/only 10 bytes/);
  });

  it('leaves the old file whole when a save fails', () => {
    const path = join(dir, 'keep.pxf');
    saveDataset(path, ds);
    const before = readFileSync(path);
    expect(() => saveDataset(path, { ...ds } as FrameDataset)).toThrow(/FrameDataset/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('collectFrames input checks', () => {
  it('rejects bad arguments with clear errors', () => {
    const env = catchEnv().env;
    expect(() => collectFrames(env, 'random', 0, { seed: 1 })).toThrow(/n must be/);
    expect(() => collectFrames(env, 'random', 5, {} as { seed: number })).toThrow(/seed/);
    expect(() => collectFrames(env, 'random', 5, { seed: 1, width: 0 })).toThrow(/width/);
    expect(() => collectFrames(env, 'random', 5, { seed: 1, kinds: [] })).toThrow(/kinds/);
    expect(() => collectFrames(env, 'random', 5, { seed: 1, boxes: 'blob' as 'shape' })).toThrow(/boxes/);
    const blind = { observationSpace: env.observationSpace, actionSpace: env.actionSpace } as unknown as Env<Uint8Array, number>;
    expect(() => collectFrames(blind, 'random', 5, { seed: 1 })).toThrow(/no scene/);
  });

  it('labels classic-control scenes: CartPole kinds and one box per object', () => {
    const ds = collectFrames(make('CartPole-v1'), 'random', 8, { seed: 3, width: 60, height: 40 });
    expect(ds.kinds).toEqual(['axle', 'cart', 'pole', 'track']);
    for (let i = 0; i < ds.size; i++) {
      const kinds = ds.boxes[i]!.map((b) => ds.kinds[b.kind]);
      expect(kinds.filter((k) => k === 'cart').length).toBe(1);
      expect(kinds.filter((k) => k === 'pole').length).toBe(1);
    }
  });
});
