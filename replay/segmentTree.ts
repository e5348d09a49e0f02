// Sum and min segment trees over a power-of-two number of leaves, stored as implicit binary
// heaps in Float64Arrays: node i has children 2i and 2i+1, the root is node 1, leaf j is node
// size + j. Parents are recomputed from their children (never updated by deltas), so float
// error does not accumulate over millions of updates.

function leafCountFor(capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`segment tree capacity must be a positive integer, got ${capacity}`);
  let size = 1;
  while (size < capacity) size *= 2;
  return size;
}

/** Sums of non-negative leaf values, with prefix-sum search for proportional sampling. */
export class SumTree {
  readonly capacity: number;
  /** Leaf count, the power of two ≥ capacity. */
  readonly size: number;
  readonly nodes: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.size = leafCountFor(capacity);
    this.nodes = new Float64Array(2 * this.size);
  }

  get total(): number {
    return this.nodes[1]!;
  }

  get(index: number): number {
    return this.nodes[this.size + index]!;
  }

  /** O(log N). */
  set(index: number, value: number): void {
    if (!(index >= 0 && index < this.capacity)) throw new RangeError(`SumTree.set: index ${index} out of [0, ${this.capacity})`);
    if (!(value >= 0) || value === Infinity) throw new RangeError(`SumTree.set: value must be finite and ≥ 0, got ${value}`);
    const nodes = this.nodes;
    let i = this.size + index;
    nodes[i] = value;
    i >>= 1;
    while (i >= 1) {
      nodes[i] = nodes[2 * i]! + nodes[2 * i + 1]!;
      i >>= 1;
    }
  }

  /**
   * The leaf where the running sum of leaves passes `prefix`, for `prefix` in [0, total). O(log N).
   * Only descends into subtrees with a positive sum, so it never returns a zero leaf while the
   * total is positive, even when rounding puts `prefix` at or past the total.
   */
  find(prefix: number): number {
    const nodes = this.nodes;
    const size = this.size;
    let u = prefix;
    let i = 1;
    while (i < size) {
      const left = nodes[2 * i]!;
      if (u < left || !(nodes[2 * i + 1]! > 0)) {
        i = 2 * i;
        if (u >= left) u = left; // right side is empty: stay in the left subtree
      } else {
        u -= left;
        i = 2 * i + 1;
      }
    }
    return i - size;
  }

  /** The leaves, as a live view (for saving and restoring). */
  leaves(): Float64Array {
    return this.nodes.subarray(this.size, this.size + this.capacity);
  }

  /** Recomputes all internal nodes from the leaves, O(N): after writing `leaves()` directly. */
  rebuild(): void {
    const nodes = this.nodes;
    nodes.fill(0, this.size + this.capacity);
    for (let i = this.size - 1; i >= 1; i--) nodes[i] = nodes[2 * i]! + nodes[2 * i + 1]!;
  }

  clear(): void {
    this.nodes.fill(0);
  }
}

/** Minimum of the leaves; empty leaves hold +Infinity so they never win. */
export class MinTree {
  readonly capacity: number;
  readonly size: number;
  readonly nodes: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.size = leafCountFor(capacity);
    this.nodes = new Float64Array(2 * this.size).fill(Infinity);
  }

  /** The smallest leaf, or Infinity when all are empty. */
  get min(): number {
    return this.nodes[1]!;
  }

  get(index: number): number {
    return this.nodes[this.size + index]!;
  }

  /** O(log N). */
  set(index: number, value: number): void {
    if (!(index >= 0 && index < this.capacity)) throw new RangeError(`MinTree.set: index ${index} out of [0, ${this.capacity})`);
    if (Number.isNaN(value)) throw new RangeError('MinTree.set: NaN');
    const nodes = this.nodes;
    let i = this.size + index;
    nodes[i] = value;
    i >>= 1;
    while (i >= 1) {
      const a = nodes[2 * i]!;
      const b = nodes[2 * i + 1]!;
      nodes[i] = a < b ? a : b;
      i >>= 1;
    }
  }

  /** Rebuilds from leaf values `source[j]`, with zeros meaning empty. O(N). */
  rebuildFrom(source: ArrayLike<number>): void {
    const nodes = this.nodes;
    nodes.fill(Infinity);
    for (let j = 0; j < this.capacity; j++) {
      const v = source[j]!;
      nodes[this.size + j] = v > 0 ? v : Infinity;
    }
    for (let i = this.size - 1; i >= 1; i--) {
      const a = nodes[2 * i]!;
      const b = nodes[2 * i + 1]!;
      nodes[i] = a < b ? a : b;
    }
  }

  clear(): void {
    this.nodes.fill(Infinity);
  }
}
