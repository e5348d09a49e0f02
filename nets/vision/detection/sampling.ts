// Seeded sampling of training examples (anchors, regions).
import type { Rng } from '../../../envs/rng.js';

/** Draws k distinct items of `items` (partial Fisher–Yates on a copy). */
export function sampleWithoutReplacement<T>(items: readonly T[], k: number, rng: Rng): T[] {
  const a = items.slice();
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}
