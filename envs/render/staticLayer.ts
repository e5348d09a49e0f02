/**
 * The unchanging part of a scene (its background and the shapes that never move), rasterized
 * once per output size and copied under every frame, so a frame costs only its moving shapes.
 * MountainCar's hill, 99 segments, is the case in point.
 */
import { paintShapes, rasterize } from './rasterize.js';
import type { Frame, Scene, Shape } from './scene.js';
import { checkOut, checkScene, checkShape, checkSize } from './validate.js';

/** Sizes kept at once; an env renders at one or two sizes, so this only bounds memory. */
const MAX_CACHED_SIZES = 4;

export class StaticLayer {
  private readonly scene: Scene;
  private readonly cache = new Map<string, Uint8Array>();
  // The size used last, looked up without building a key (the usual case: every frame one size).
  private lastWidth = 0;
  private lastHeight = 0;
  private last: Uint8Array | null = null;

  /** Keeps its own frozen copy of `scene`, so later edits to the caller's shapes cannot make the cache stale. */
  constructor(scene: Scene) {
    checkScene(scene);
    const shapes = Object.freeze(scene.shapes.map((s) => Object.freeze(s.type === 'polygon' ? { ...s, points: Object.freeze(s.points.slice()) } : { ...s }) as Shape));
    // rasterize() only reads, so the frozen array may stand in for Scene's mutable one.
    this.scene = Object.freeze({ width: scene.width, height: scene.height, background: scene.background, shapes: shapes as Shape[] });
  }

  get width(): number {
    return this.scene.width;
  }

  get height(): number {
    return this.scene.height;
  }

  /** The layer's shapes, in drawing order (frozen; copy before editing). */
  get shapes(): readonly Shape[] {
    return this.scene.shapes;
  }

  /**
   * `moving` drawn over the layer at width × height (default: the scene's size), into `out` when
   * given (exactly width × height × 3 bytes) else a new buffer. The same bytes as `rasterize` of
   * the layer's scene with `moving` appended to its shapes. Input is checked before any write.
   */
  render(moving: readonly Shape[], width: number = this.scene.width, height: number = this.scene.height, out?: Uint8Array): Frame {
    checkSize(width, height, 'StaticLayer.render');
    checkOut(out, width * height * 3, 'StaticLayer.render');
    if (!Array.isArray(moving)) throw new TypeError('StaticLayer.render: moving must be an array of shapes');
    for (let i = 0; i < moving.length; i++) checkShape(moving[i]!, `moving[${i}]`);
    const layer = this.layerAt(width, height);
    const data = out ?? new Uint8Array(layer.length);
    data.set(layer);
    paintShapes(moving, this.scene.width, this.scene.height, data, width, height);
    return { width, height, data };
  }

  private layerAt(width: number, height: number): Uint8Array {
    if (this.last && width === this.lastWidth && height === this.lastHeight) return this.last;
    const key = `${width}x${height}`;
    let layer = this.cache.get(key);
    if (layer) {
      this.cache.delete(key); // re-inserted below: the map's order is least recently used first
    } else {
      layer = rasterize(this.scene, width, height).data;
      if (this.cache.size >= MAX_CACHED_SIZES) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, layer);
    this.lastWidth = width;
    this.lastHeight = height;
    this.last = layer;
    return layer;
  }
}
