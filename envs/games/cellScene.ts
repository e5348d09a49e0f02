import type { RectShape, Scene } from '../render/scene.js';

/** How the object kinds (channels) of a cell grid look. */
export interface CellPalette {
  /** Kind names, one per channel, in channel order. */
  readonly kinds: readonly string[];
  /** 0xRRGGBB per channel. */
  readonly colors: readonly number[];
  /** Channel indices from bottom to top: where kinds share a cell, the later one is visible. */
  readonly drawOrder: readonly number[];
}

/** Checks a palette once, at construction: a wrong palette would draw a wrong picture silently. */
export function checkPalette(name: string, p: CellPalette): void {
  const n = p.kinds.length;
  if (p.colors.length !== n) throw new Error(`${name}: ${p.colors.length} colours for ${n} kinds`);
  if (new Set(p.colors).size !== n) throw new Error(`${name}: kind colours must be distinct`);
  if (p.colors.includes(0)) throw new Error(`${name}: black is the background colour`);
  const order = [...p.drawOrder].sort((a, b) => a - b);
  if (order.length !== n || order.some((c, i) => c !== i)) throw new Error(`${name}: drawOrder must list each channel once`);
}

/**
 * Draws a rows × cols grid of binary channels (row-major HWC, as the channel observation) as a
 * scene of unit cells: one rect per horizontal run of a kind, labelled with the kind. The same
 * scene feeds `render()`, the rgb observation and the viewer, so they cannot disagree.
 */
export class CellSceneBuilder {
  private readonly pool: RectShape[] = [];
  private readonly reused: Scene;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly palette: CellPalette,
  ) {
    this.reused = { width: cols, height: rows, background: 0x000000, shapes: [] };
  }

  /** A new scene that the caller may keep. */
  build(grid: Uint8Array): Scene {
    const scene: Scene = { width: this.cols, height: this.rows, background: 0x000000, shapes: [] };
    this.fill(grid, scene, false);
    return scene;
  }

  /** The builder's own scene, refilled in place from pooled shapes: valid until the next call. */
  buildReused(grid: Uint8Array): Scene {
    this.fill(grid, this.reused, true);
    return this.reused;
  }

  private fill(grid: Uint8Array, scene: Scene, pooled: boolean): void {
    const { rows, cols } = this;
    const { kinds, colors, drawOrder } = this.palette;
    const c = kinds.length;
    const shapes = scene.shapes;
    let n = 0;
    for (const ch of drawOrder) {
      for (let y = 0; y < rows; y++) {
        let x = 0;
        while (x < cols) {
          if (grid[(y * cols + x) * c + ch] === 0) {
            x++;
            continue;
          }
          const start = x;
          while (x < cols && grid[(y * cols + x) * c + ch] !== 0) x++;
          let rect: RectShape;
          if (pooled) {
            rect = this.pool[n] ??= { type: 'rect', x: 0, y: 0, w: 1, h: 1, color: 0, kind: '' };
            rect.x = start;
            rect.y = y;
            rect.w = x - start;
            rect.color = colors[ch]!;
            rect.kind = kinds[ch]!;
          } else {
            rect = { type: 'rect', x: start, y, w: x - start, h: 1, color: colors[ch]!, kind: kinds[ch]! };
          }
          shapes[n++] = rect;
        }
      }
    }
    shapes.length = n;
  }
}
