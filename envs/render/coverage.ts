/**
 * Which pixels a shape covers, as horizontal spans handed to a sink. One routine per shape
 * type; colour frames, label maps and bounding boxes all go through these, so they agree by
 * construction.
 *
 * The coverage rule: scene point (u, v) maps to pixel coordinates (u·sx, v·sy), and pixel
 * (i, j) is covered when its centre (i + ½, j + ½) lies inside the shape, with edges half-open
 * (a point on a left or top edge is inside, on a right or bottom edge outside). On a row, a
 * shape's cross-section [a, b) therefore covers columns ceil(a − ½) … ceil(b − ½) − 1. So:
 * - at integer scale a rect with integer scene coordinates covers exactly its pixel block;
 * - at non-integer scale (a 10×10 grid into 84×84) neighbouring rects still tile the frame with
 *   no gap or overlap, but cells come out 8 or 9 pixels wide depending on where they fall;
 * - lines are thick segments with butt ends, widened to at least one pixel so thin strokes
 *   survive downscaling; circles are ellipses when sx ≠ sy.
 */
import type { CircleShape, LineShape, PolygonShape, RectShape, Shape, TextShape } from './scene.js';
import { GLYPH_ADVANCE, LINE_PITCH, glyphRuns } from './font.js';

/** Receives covered pixels. Arguments are already clipped and non-empty. */
export interface SpanSink {
  /** Pixels x0 … x1 − 1 of row y. */
  span(y: number, x0: number, x1: number): void;
  /** The block x0 … x1 − 1 × y0 … y1 − 1. */
  block(x0: number, y0: number, x1: number, y1: number): void;
}

/** The pixel window coverage is clipped to: columns x0 … x1 − 1, rows y0 … y1 − 1. */
export interface Clip {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** First pixel index whose centre is ≥ a (pixel-space coordinate). */
function first(a: number): number {
  return Math.ceil(a - 0.5);
}

/** Covers the pixel-space rectangle [ax, bx) × [ay, by). */
function coverBox(ax: number, ay: number, bx: number, by: number, clip: Clip, sink: SpanSink): void {
  const x0 = Math.max(first(ax), clip.x0);
  const x1 = Math.min(first(bx), clip.x1);
  const y0 = Math.max(first(ay), clip.y0);
  const y1 = Math.min(first(by), clip.y1);
  if (x0 < x1 && y0 < y1) sink.block(x0, y0, x1, y1);
}

export function coverRect(s: RectShape, sx: number, sy: number, clip: Clip, sink: SpanSink): void {
  // A negative width or height extends the other way (as canvas fillRect does).
  const ax = s.w >= 0 ? s.x : s.x + s.w;
  const ay = s.h >= 0 ? s.y : s.y + s.h;
  const w = Math.abs(s.w);
  const h = Math.abs(s.h);
  coverBox(ax * sx, ay * sy, (ax + w) * sx, (ay + h) * sy, clip, sink);
}

export function coverCircle(s: CircleShape, sx: number, sy: number, clip: Clip, sink: SpanSink): void {
  const cx = s.x * sx;
  const cy = s.y * sy;
  const rx = s.r * sx;
  const ry = s.r * sy;
  if (!(rx > 0 && ry > 0)) return;
  const j0 = Math.max(first(cy - ry), clip.y0);
  const j1 = Math.min(first(cy + ry), clip.y1);
  for (let j = j0; j < j1; j++) {
    const dy = (j + 0.5 - cy) / ry;
    const t = 1 - dy * dy;
    if (t <= 0) continue;
    const hw = rx * Math.sqrt(t);
    const i0 = Math.max(first(cx - hw), clip.x0);
    const i1 = Math.min(first(cx + hw), clip.x1);
    if (i0 < i1) sink.span(j, i0, i1);
  }
}

// Scratch for polygon scanning, grown on demand and reused (no allocation per frame).
let pts = new Float64Array(64);
let crossings = new Float64Array(32);

function ensureScratch(vertices: number): void {
  if (pts.length < vertices * 2) pts = new Float64Array(vertices * 4);
  if (crossings.length < vertices) crossings = new Float64Array(vertices * 2);
}

/** Even–odd scanline fill of the first n vertices in `pts` (pixel space). */
function scanPolygon(n: number, clip: Clip, sink: SpanSink): void {
  // Local copies: the module-level bindings are reassignable, which costs a load per access.
  const P = pts;
  const X = crossings;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let k = 1; k < 2 * n; k += 2) {
    const y = P[k]!;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const j0 = Math.max(first(minY), clip.y0);
  const j1 = Math.min(first(maxY), clip.y1);
  const cx0 = clip.x0;
  const cx1 = clip.x1;
  for (let j = j0; j < j1; j++) {
    const yc = j + 0.5;
    let m = 0;
    let ax = P[2 * n - 2]!;
    let ay = P[2 * n - 1]!;
    for (let k = 0; k < 2 * n; k += 2) {
      const bx = P[k]!;
      const by = P[k + 1]!;
      // Half-open in y: an edge counts when exactly one end is at or above the row centre, so a
      // vertex on the row is counted once and horizontal edges never.
      if (ay <= yc !== by <= yc) {
        const x = ax + ((yc - ay) * (bx - ax)) / (by - ay);
        // Insertion into the sorted list; polygons here have few crossings per row.
        let q = m++;
        while (q > 0 && X[q - 1]! > x) {
          X[q] = X[q - 1]!;
          q--;
        }
        X[q] = x;
      }
      ax = bx;
      ay = by;
    }
    for (let q = 0; q + 1 < m; q += 2) {
      let i0 = Math.ceil(X[q]! - 0.5);
      let i1 = Math.ceil(X[q + 1]! - 0.5);
      if (i0 < cx0) i0 = cx0;
      if (i1 > cx1) i1 = cx1;
      if (i0 < i1) sink.span(j, i0, i1);
    }
  }
}

export function coverPolygon(s: PolygonShape, sx: number, sy: number, clip: Clip, sink: SpanSink): void {
  const p = s.points;
  const n = p.length >> 1;
  if (n < 3) return;
  ensureScratch(n);
  for (let k = 0; k < n; k++) {
    pts[2 * k] = p[2 * k]! * sx;
    pts[2 * k + 1] = p[2 * k + 1]! * sy;
  }
  scanPolygon(n, clip, sink);
}

export function coverLine(s: LineShape, sx: number, sy: number, clip: Clip, sink: SpanSink): void {
  const dx = s.x2 - s.x1;
  const dy = s.y2 - s.y1;
  const len = Math.sqrt(dx * dx + dy * dy); // (Math.hypot is several times slower in V8)
  if (len === 0) return;
  const ax = s.x1 * sx;
  const ay = s.y1 * sy;
  const bx = s.x2 * sx;
  const by = s.y2 * sy;
  // Half-width offset: perpendicular in scene units, then scaled to pixels.
  let ox = (-dy / len) * (s.width / 2) * sx;
  let oy = (dx / len) * (s.width / 2) * sy;
  const plen = Math.sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
  if (plen === 0) return;
  const nx = -(by - ay) / plen;
  const ny = (bx - ax) / plen;
  if (2 * Math.abs(ox * nx + oy * ny) < 1) {
    ox = nx * 0.5;
    oy = ny * 0.5;
  }
  ensureScratch(4);
  pts[0] = ax + ox;
  pts[1] = ay + oy;
  pts[2] = bx + ox;
  pts[3] = by + oy;
  pts[4] = bx - ox;
  pts[5] = by - oy;
  pts[6] = ax - ox;
  pts[7] = ay - oy;
  scanPolygon(4, clip, sink);
}

/** Text: (x, y) is the top-left of the first glyph; `size` is the glyph height; '\n' starts a line. */
export function coverText(s: TextShape, sx: number, sy: number, clip: Clip, sink: SpanSink): void {
  const cell = s.size / 7;
  if (!(cell > 0)) return;
  let col = 0;
  let row = 0;
  for (const ch of s.text) {
    if (ch === '\n') {
      col = 0;
      row++;
      continue;
    }
    const runs = glyphRuns(ch);
    if (runs) {
      const gx = s.x + col * GLYPH_ADVANCE * cell;
      const gy = s.y + row * LINE_PITCH * cell;
      for (let k = 0; k < runs.length; k += 3) {
        const top = gy + runs[k]! * cell;
        const left = gx + runs[k + 1]! * cell;
        const right = gx + runs[k + 2]! * cell;
        coverBox(left * sx, top * sy, right * sx, (top + cell) * sy, clip, sink);
      }
    }
    col++;
  }
}

/** Dispatches on the shape type. */
export function coverShape(s: Shape, sx: number, sy: number, clip: Clip, sink: SpanSink): void {
  switch (s.type) {
    case 'rect':
      return coverRect(s, sx, sy, clip, sink);
    case 'circle':
      return coverCircle(s, sx, sy, clip, sink);
    case 'line':
      return coverLine(s, sx, sy, clip, sink);
    case 'polygon':
      return coverPolygon(s, sx, sy, clip, sink);
    case 'text':
      return coverText(s, sx, sy, clip, sink);
  }
}
