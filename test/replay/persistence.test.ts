import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Rng } from '../../envs/rng.js';
import { PrioritizedReplayBuffer, ReplayBuffer, ReplayFileError, type ReplayBatch } from '../../replay/index.js';
import { sampleAndCheck } from './check.js';
import { EnvModel } from './model.js';

const dir = mkdtempSync(join(tmpdir(), 'pixelgym-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frameConfig = {
  capacity: 2 * 26,
  observationShape: [3, 2, 1],
  observationDtype: 'uint8' as const,
  frameStack: 4,
  numEnvs: 2,
  nStep: 3,
  gamma: 0.9,
  seed: 41,
  // Tiny chunks so stacks and file sections cross chunk boundaries.
  storageChunkBytes: 6 * 5,
};

function fillFrames(buffer: ReplayBuffer, model: EnvModel, steps: number): void {
  for (let i = 0; i < steps; i++) for (let e = 0; e < 2; e++) buffer.add(model.step(e), e);
}

function snapshot(batch: ReplayBatch): number[][] {
  return [batch.observations, batch.nextObservations, batch.actions, batch.rewards, batch.terminated, batch.truncated, batch.discounts, batch.weights, batch.indices].map((a) =>
    Array.from(a),
  );
}

/** The bytes a buffer saves to: equal bytes, equal buffers (contents, per-env state, RNG). */
function savedBytes(buffer: ReplayBuffer, name: string): Buffer {
  const p = join(dir, name);
  buffer.save(p);
  return readFileSync(p);
}

describe('save and load', () => {
  test('a loaded frame buffer samples exactly like the original, before and after more adds', () => {
    const model = new EnvModel({ numEnvs: 2, frameSize: 6, dtype: 'uint8', pEnd: 0.15, seed: 42 });
    const original = new ReplayBuffer(frameConfig);
    fillFrames(original, model, 70); // wrapped around
    original.sample(16); // move the RNG off its seed
    const path = join(dir, 'frames.rpl');
    original.save(path);
    const loaded = new ReplayBuffer({ ...frameConfig, seed: 999 });
    loaded.loadFrom(path);
    const fresh = ReplayBuffer.load(path);
    for (let r = 0; r < 3; r++) {
      const want = snapshot(original.sample(32));
      expect(snapshot(loaded.sample(32))).toEqual(want);
      expect(snapshot(fresh.sample(32))).toEqual(want);
    }
    // Per-env episode state came along: the same steps added to both keep them equal.
    for (let i = 0; i < 15; i++) {
      for (let e = 0; e < 2; e++) {
        const s = model.step(e);
        original.add(s, e);
        loaded.add(s, e);
      }
    }
    expect(snapshot(loaded.sample(32))).toEqual(snapshot(original.sample(32)));
    expect(loaded.size).toBe(original.size);
    sampleAndCheck(loaded, model, 'uint8');
  });

  test('prioritized: priorities, max priority, β clock and RNG survive a round trip', () => {
    const config = { ...frameConfig, alpha: 0.7, beta: 0.5 };
    const model = new EnvModel({ numEnvs: 2, frameSize: 6, dtype: 'uint8', pEnd: 0.15, seed: 44 });
    const original = new PrioritizedReplayBuffer(config);
    const rng = new Rng(45);
    for (let i = 0; i < 60; i++) {
      for (let e = 0; e < 2; e++) original.add(model.step(e), e);
      if (original.canSample()) {
        const b = original.sample(8);
        original.updatePriorities(b.indices, Array.from(b.indices, () => rng.uniform(0, 4)));
      }
    }
    const path = join(dir, 'per.rpl');
    original.save(path);
    const loaded = PrioritizedReplayBuffer.load(path);
    expect(loaded.samplesDrawn).toBe(original.samplesDrawn);
    expect(loaded.beta).toBe(0.5);
    for (let s = 0; s < original.capacity; s++) expect(loaded.priority(s)).toBe(original.priority(s));
    for (let r = 0; r < 3; r++) expect(snapshot(loaded.sample(16))).toEqual(snapshot(original.sample(16)));
    const s = model.step(0);
    original.add(s, 0);
    loaded.add(s, 0);
    for (let slot = 0; slot < original.capacity; slot++) expect(loaded.priority(slot)).toBe(original.priority(slot));
    expect(() => ReplayBuffer.load(path)).toThrow(/holds a 'prioritized' buffer/);
  });

  test('a truncated file is rejected and the target buffer is unchanged', () => {
    const model = new EnvModel({ numEnvs: 2, frameSize: 6, dtype: 'uint8', pEnd: 0.2, seed: 46 });
    const source = new ReplayBuffer(frameConfig);
    fillFrames(source, model, 40);
    const path = join(dir, 'source.rpl');
    source.save(path);
    const full = statSync(path).size;
    const target = new ReplayBuffer({ ...frameConfig, seed: 7 });
    fillFrames(target, new EnvModel({ numEnvs: 2, frameSize: 6, dtype: 'uint8', pEnd: 0.2, seed: 47 }), 30);
    const before = savedBytes(target, 'target-before.rpl');
    for (const cut of [full - 1, Math.floor(full / 2), 20, 3, 0]) {
      const p = join(dir, `cut-${cut}.rpl`);
      writeFileSync(p, readFileSync(path));
      truncateSync(p, cut);
      let err: unknown;
      try {
        target.loadFrom(p);
      } catch (e) {
        err = e;
      }
      expect(err, `cut at ${cut}`).toBeInstanceOf(ReplayFileError);
      expect(String(err)).toMatch(/truncated/);
    }
    expect(savedBytes(target, 'target-after.rpl').equals(before)).toBe(true);
  });

  test('corrupt files are rejected with a clear error and the target buffer is unchanged', () => {
    const model = new EnvModel({ numEnvs: 2, frameSize: 6, dtype: 'uint8', pEnd: 0.2, seed: 48 });
    const source = new ReplayBuffer(frameConfig);
    fillFrames(source, model, 40);
    const path = join(dir, 'good.rpl');
    source.save(path);
    const good = readFileSync(path);
    const target = new ReplayBuffer({ ...frameConfig, seed: 8 });
    fillFrames(target, new EnvModel({ numEnvs: 2, frameSize: 6, dtype: 'uint8', pEnd: 0.2, seed: 49 }), 30);
    const before = savedBytes(target, 'target-before2.rpl');
    const headerLength = good.readUInt32LE(12);
    const damaged: [string, Buffer, RegExp][] = [
      ['payload byte', flip(good, good.length - 100, 0x10), /checksum mismatch/],
      ['header byte', flip(good, 16 + Math.floor(headerLength / 2), 0x01), /checksum mismatch|corrupt header/],
      ['checksum', flip(good, good.length - 1, 0xff), /checksum mismatch/],
      ['magic', withBytes(good, (b) => b.write('NOTMAGIC', 0, 'latin1')), /not a replay file/],
      ['version', withBytes(good, (b) => b.writeUInt32LE(99, 8)), /unsupported format version 99/],
      ['header length', withBytes(good, (b) => b.writeUInt32LE(headerLength + 5, 12)), /corrupt header|truncated|corrupt:/],
      ['extra bytes', Buffer.concat([good.subarray(0, good.length - 4), Buffer.from([1, 2, 3]), good.subarray(good.length - 4)]), /corrupt: \d+ bytes, header says/],
    ];
    for (const [what, bytes, message] of damaged) {
      const p = join(dir, `bad-${what.replace(' ', '-')}.rpl`);
      writeFileSync(p, bytes);
      let err: unknown;
      try {
        target.loadFrom(p);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(ReplayFileError);
      expect(String(err), what).toMatch(message);
    }
    expect(savedBytes(target, 'target-after2.rpl').equals(before)).toBe(true);
  });

  test('a file from a buffer of another configuration is refused', () => {
    const a = new ReplayBuffer({ capacity: 30, observationShape: [3], seed: 1 });
    for (let i = 0; i < 10; i++) a.add({ observation: [i, i, i], action: 0, reward: 0, terminated: false, truncated: false, nextObservation: [i + 1, i + 1, i + 1] });
    const path = join(dir, 'small.rpl');
    a.save(path);
    const b = new ReplayBuffer({ capacity: 31, observationShape: [3], seed: 1, numEnvs: 1, nStep: 2 });
    expect(() => b.loadFrom(path)).toThrow(/configuration differs/);
    expect(b.size).toBe(0);
  });

  test('saving is atomic: no temp file is left behind and an existing file is replaced whole', () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const path = join(sub, 'buf.rpl');
    const a = new ReplayBuffer({ capacity: 30, observationShape: [2], seed: 2 });
    a.add({ observation: [1, 1], action: 0, reward: 1, terminated: true, truncated: false, nextObservation: [2, 2] });
    a.save(path);
    const first = statSync(path).size;
    for (let i = 0; i < 10; i++) a.add({ observation: [i, 0], action: 1, reward: 0, terminated: false, truncated: false, nextObservation: [i + 1, 0] });
    a.save(path);
    expect(readdirSync(sub)).toEqual(['buf.rpl']);
    expect(statSync(path).size).toBeGreaterThan(first);
    const back = ReplayBuffer.load(path);
    expect(back.size).toBe(a.size);
  });
});

function withBytes(src: Buffer, damage: (b: Buffer) => void): Buffer {
  const b = Buffer.from(src);
  damage(b);
  return b;
}

function flip(src: Buffer, at: number, mask: number): Buffer {
  return withBytes(src, (b) => {
    b[at] = b[at]! ^ mask;
  });
}
