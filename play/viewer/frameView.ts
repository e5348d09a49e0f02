// The agent's pixel frame as a pixi texture (nearest-neighbour upscaled), with an optional
// semi-transparent heat-map overlay on top (saliency, occlusion, attention maps).
import { BufferImageSource, Container, Sprite, Texture } from 'pixi.js';
import type { FrameMessage, OverlayMessage } from '../server/protocol.js';
import type { Rect } from './status.js';

/** An RGBA texture over a reused typed array, rebuilt only when the size changes. */
class PixelTexture {
  readonly sprite = new Sprite();
  private source: BufferImageSource | null = null;
  private rgba = new Uint8Array(0);
  width = 0;
  height = 0;

  /** The pixel buffer to write width × height RGBA pixels into; call `commit()` after writing. */
  pixels(width: number, height: number): Uint8Array {
    if (width !== this.width || height !== this.height || !this.source) {
      this.rgba = new Uint8Array(width * height * 4);
      this.source?.destroy();
      // rgba8unorm: a Uint8Array would default to bgra8unorm and swap red and blue.
      this.source = new BufferImageSource({
        resource: this.rgba,
        width,
        height,
        format: 'rgba8unorm',
        alphaMode: 'no-premultiply-alpha',
        scaleMode: 'nearest',
      });
      this.sprite.texture = new Texture({ source: this.source });
      this.width = width;
      this.height = height;
    }
    return this.rgba;
  }

  commit(): void {
    this.source?.update();
  }
}

/** Blue → red through yellow, for values in [0, 1]. */
function heat(v: number, out: Uint8Array, o: number): void {
  const r = Math.min(1, Math.max(0, 2 * v));
  const g = Math.min(1, Math.max(0, v < 0.5 ? 2 * v : 2 - 2 * v));
  const b = Math.min(1, Math.max(0, 1 - 2 * v));
  out[o] = (r * 255) | 0;
  out[o + 1] = (g * 255) | 0;
  out[o + 2] = (b * 255) | 0;
}

export class FrameView {
  readonly container = new Container();
  private readonly frame = new PixelTexture();
  private readonly overlay = new PixelTexture();
  private overlayShown = true;
  /** Where the frame is drawn, in canvas pixels. */
  rect: Rect | null = null;

  constructor(
    private readonly box: Rect,
    /** Peak opacity of the overlay. */
    private readonly overlayAlpha = 0.6,
  ) {
    this.container.position.set(box.x, box.y);
    this.container.addChild(this.frame.sprite, this.overlay.sprite);
    this.overlay.sprite.visible = false;
  }

  show(f: FrameMessage): void {
    const out = this.frame.pixels(f.width, f.height);
    const n = f.width * f.height;
    const rgb = f.rgb;
    for (let i = 0, s = 0, d = 0; i < n; i++, s += 3, d += 4) {
      out[d] = rgb[s]!;
      out[d + 1] = rgb[s + 1]!;
      out[d + 2] = rgb[s + 2]!;
      out[d + 3] = 255;
    }
    this.frame.commit();
    // The largest whole-number scale that fits keeps every pixel the same size; tiny boxes fall back to a fraction.
    const fit = Math.min(this.box.width / f.width, this.box.height / f.height);
    const scale = fit >= 1 ? Math.floor(fit) : fit;
    this.frame.sprite.scale.set(scale);
    this.rect = { x: this.box.x, y: this.box.y, width: f.width * scale, height: f.height * scale };
    this.placeOverlay();
  }

  /** Normalizes the map to [0, 1] (min → transparent, max → `overlayAlpha`) and lays it over the frame. */
  showOverlay(o: OverlayMessage): void {
    const out = this.overlay.pixels(o.width, o.height);
    const v = o.values;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      if (v[i]! < lo) lo = v[i]!;
      if (v[i]! > hi) hi = v[i]!;
    }
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0, d = 0; i < v.length; i++, d += 4) {
      const t = (v[i]! - lo) / span;
      heat(t, out, d);
      out[d + 3] = (t * this.overlayAlpha * 255) | 0;
    }
    this.overlay.commit();
    this.overlay.sprite.visible = this.overlayShown;
    this.placeOverlay();
  }

  setOverlayShown(shown: boolean): void {
    this.overlayShown = shown;
    this.overlay.sprite.visible = shown && this.overlay.width > 0;
  }

  private placeOverlay(): void {
    if (!this.rect || this.overlay.width === 0) return;
    this.overlay.sprite.scale.set(this.rect.width / this.overlay.width, this.rect.height / this.overlay.height);
  }
}
