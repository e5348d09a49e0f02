import { seededRng } from '../rng.js';
import { Space, type SpaceJSON } from './space.js';

/** A product of named spaces; values are plain objects with those keys. Keys are kept in insertion order. */
export class Dict extends Space<Record<string, unknown>> {
  readonly spaces: Readonly<Record<string, Space>>;

  constructor(spaces: Record<string, Space>) {
    super([], null);
    this.spaces = { ...spaces };
  }

  override seed(seed?: number): number[] {
    const root = seededRng(seed);
    const used = [root.seed];
    for (const s of Object.values(this.spaces)) used.push(...s.seed(root.rng.nextUint32() | 0));
    return used;
  }

  sample(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(this.spaces)) out[k] = s.sample();
    return out;
  }

  contains(x: unknown): x is Record<string, unknown> {
    if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
    const rec = x as Record<string, unknown>;
    const keys = Object.keys(this.spaces);
    if (Object.keys(rec).length !== keys.length) return false;
    return keys.every((k) => k in rec && this.spaces[k]!.contains(rec[k]));
  }

  toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const [k, s] of Object.entries(this.spaces)) spaces[k] = s.toJSON();
    return { type: 'Dict', spaces };
  }

  toString(): string {
    return `Dict(${Object.entries(this.spaces)
      .map(([k, s]) => `${k}: ${String(s)}`)
      .join(', ')})`;
  }
}
