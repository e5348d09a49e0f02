/** The last `capacity` numbers pushed (a ring over a Float64Array), oldest first when read. */
export class RecentValues {
  private readonly buf: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`RecentValues: capacity must be a positive integer, got ${capacity}`);
    this.buf = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    this.buf[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  toArray(): number[] {
    const out: number[] = [];
    const first = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out.push(this.buf[(first + i) % this.capacity]!);
    return out;
  }

  /** Mean of the kept values; NaN when empty. */
  mean(): number {
    if (this.count === 0) return NaN;
    let s = 0;
    for (let i = 0; i < this.count; i++) s += this.buf[i]!;
    return s / this.count;
  }

  clear(): void {
    this.next = 0;
    this.count = 0;
  }
}
