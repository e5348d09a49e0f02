/**
 * Span sinks: what to do with covered pixels. Writing colour (3 bytes a pixel), writing labels
 * (1 byte a pixel), or growing a bounding box. Fills use native `fill` / `copyWithin` so a span
 * costs a few memory moves, not a function call per pixel.
 */
import type { SpanSink } from './coverage.js';

/** Writes one RGB colour into a width × height × 3 frame. */
export class RgbSink implements SpanSink {
  data: Uint8Array = new Uint8Array(0);
  width = 0;
  private r = 0;
  private g = 0;
  private b = 0;
  private gray = false;

  target(data: Uint8Array, width: number): void {
    this.data = data;
    this.width = width;
  }

  setColor(color: number): void {
    this.r = (color >>> 16) & 255;
    this.g = (color >>> 8) & 255;
    this.b = color & 255;
    this.gray = this.r === this.g && this.g === this.b;
  }

  /** Fills n pixels from byte offset p. */
  private run(p: number, n: number): void {
    const d = this.data;
    const bytes = n * 3;
    if (this.gray) {
      d.fill(this.r, p, p + bytes);
      return;
    }
    const r = this.r;
    const g = this.g;
    const b = this.b;
    if (n <= 16) {
      for (let q = p, e = p + bytes; q < e; q += 3) {
        d[q] = r;
        d[q + 1] = g;
        d[q + 2] = b;
      }
      return;
    }
    d[p] = r;
    d[p + 1] = g;
    d[p + 2] = b;
    // Double the filled prefix until the run is full: log2(n) memmoves.
    let done = 3;
    while (done < bytes) {
      const c = done < bytes - done ? done : bytes - done;
      d.copyWithin(p + done, p, p + c);
      done += c;
    }
  }

  span(y: number, x0: number, x1: number): void {
    this.run((y * this.width + x0) * 3, x1 - x0);
  }

  block(x0: number, y0: number, x1: number, y1: number): void {
    const w = this.width;
    if (x0 === 0 && x1 === w) {
      // Whole rows are contiguous: one run.
      this.run(y0 * w * 3, (y1 - y0) * w);
      return;
    }
    const p0 = (y0 * w + x0) * 3;
    const n = x1 - x0;
    this.run(p0, n);
    const d = this.data;
    const rowBytes = w * 3;
    const end = p0 + n * 3;
    for (let y = y0 + 1, p = p0 + rowBytes; y < y1; y++, p += rowBytes) d.copyWithin(p, p0, end);
  }
}

/** Writes one byte value into a width × height map. */
export class LabelSink implements SpanSink {
  data: Uint8Array = new Uint8Array(0);
  width = 0;
  value = 0;

  target(data: Uint8Array, width: number): void {
    this.data = data;
    this.width = width;
  }

  span(y: number, x0: number, x1: number): void {
    const p = y * this.width;
    this.data.fill(this.value, p + x0, p + x1);
  }

  block(x0: number, y0: number, x1: number, y1: number): void {
    const w = this.width;
    if (x0 === 0 && x1 === w) {
      this.data.fill(this.value, y0 * w, y1 * w);
      return;
    }
    for (let y = y0, p = y0 * w; y < y1; y++, p += w) this.data.fill(this.value, p + x0, p + x1);
  }
}

/** Grows the bounding box (end-exclusive) of everything it is given. */
export class BoundsSink implements SpanSink {
  x0 = Infinity;
  y0 = Infinity;
  x1 = -Infinity;
  y1 = -Infinity;

  reset(): void {
    this.x0 = Infinity;
    this.y0 = Infinity;
    this.x1 = -Infinity;
    this.y1 = -Infinity;
  }

  get empty(): boolean {
    return this.x0 >= this.x1;
  }

  span(y: number, x0: number, x1: number): void {
    this.block(x0, y, x1, y + 1);
  }

  block(x0: number, y0: number, x1: number, y1: number): void {
    if (x0 < this.x0) this.x0 = x0;
    if (y0 < this.y0) this.y0 = y0;
    if (x1 > this.x1) this.x1 = x1;
    if (y1 > this.y1) this.y1 = y1;
  }
}
