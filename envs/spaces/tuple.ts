import { seededRng } from '../rng.js';
import { Space, type SpaceJSON } from './space.js';

/** An ordered product of spaces; values are JS arrays of the parts. */
export class Tuple extends Space<unknown[]> {
  constructor(readonly spaces: readonly Space[]) {
    super([], null);
  }

  override seed(seed?: number): number[] {
    const root = seededRng(seed);
    const used = [root.seed];
    for (const s of this.spaces) used.push(...s.seed(root.rng.nextUint32() | 0));
    return used;
  }

  sample(): unknown[] {
    return this.spaces.map((s) => s.sample());
  }

  contains(x: unknown): x is unknown[] {
    return Array.isArray(x) && x.length === this.spaces.length && this.spaces.every((s, i) => s.contains(x[i]));
  }

  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }

  toString(): string {
    return `Tuple(${this.spaces.map(String).join(', ')})`;
  }
}
