// Deterministic per-layer seeds. tfjs initializers without a seed draw from Math.random; pixelgym keeps
// every random draw reproducible, so every layer gets a seed derived from its block's seed.

/** A 32-bit seed from a base seed and a path of indices (a small integer hash, murmur3 finalizer). */
export function deriveSeed(seed: number, ...path: number[]): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (const p of path) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Hands out successive derived seeds: `const s = seedStream(cfg.seed); dense({…, seed: s()})`. */
export function seedStream(seed: number): () => number {
  let i = 0;
  return () => deriveSeed(seed, i++);
}
