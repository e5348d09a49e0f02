/**
 * An ordered list of grid entities stored as parallel typed arrays (no object per entity, no
 * allocation per frame; the arrays only grow, by doubling, on the rare frame that needs more).
 * Order matters to the rules (the first match in list order is the one hit), so removal shifts.
 */
export class EntityList {
  count = 0;
  x: Int16Array;
  y: Int16Array;
  /** 1 when moving right (towards larger x), 0 when moving left. */
  right: Uint8Array;
  /** Frames until the next move. */
  moveTimer: Int16Array;
  /** Frames until the next shot (enemy subs only). */
  shotTimer: Int16Array;

  constructor(capacity = 16) {
    this.x = new Int16Array(capacity);
    this.y = new Int16Array(capacity);
    this.right = new Uint8Array(capacity);
    this.moveTimer = new Int16Array(capacity);
    this.shotTimer = new Int16Array(capacity);
  }

  clear(): void {
    this.count = 0;
  }

  push(x: number, y: number, right: boolean, moveTimer = 0, shotTimer = 0): number {
    if (this.count === this.x.length) this.grow();
    const i = this.count++;
    this.x[i] = x;
    this.y[i] = y;
    this.right[i] = right ? 1 : 0;
    this.moveTimer[i] = moveTimer;
    this.shotTimer[i] = shotTimer;
    return i;
  }

  removeAt(i: number): void {
    const n = this.count;
    if (i < 0 || i >= n) throw new RangeError(`EntityList.removeAt: index ${i} outside [0, ${n})`);
    this.x.copyWithin(i, i + 1, n);
    this.y.copyWithin(i, i + 1, n);
    this.right.copyWithin(i, i + 1, n);
    this.moveTimer.copyWithin(i, i + 1, n);
    this.shotTimer.copyWithin(i, i + 1, n);
    this.count = n - 1;
  }

  /** Index of the first entity at (x, y), or -1. */
  indexAt(x: number, y: number): number {
    for (let i = 0; i < this.count; i++) if (this.x[i] === x && this.y[i] === y) return i;
    return -1;
  }

  private grow(): void {
    const cap = this.x.length * 2;
    const g16 = (a: Int16Array) => {
      const b = new Int16Array(cap);
      b.set(a);
      return b;
    };
    this.x = g16(this.x);
    this.y = g16(this.y);
    this.moveTimer = g16(this.moveTimer);
    this.shotTimer = g16(this.shotTimer);
    const r = new Uint8Array(cap);
    r.set(this.right);
    this.right = r;
  }
}
