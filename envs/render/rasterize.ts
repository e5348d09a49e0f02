import type { Frame, Scene } from './scene.js';

/** Rasterizes a scene to an RGB frame of width × height pixels. (Placeholder; replaced by the rasterizer module.) */
export function rasterize(scene: Scene, width: number = scene.width, height: number = scene.height, out?: Uint8Array): Frame {
  const data = out ?? new Uint8Array(width * height * 3);
  const r = (scene.background >> 16) & 255, g = (scene.background >> 8) & 255, b = scene.background & 255;
  for (let i = 0; i < data.length; i += 3) { data[i] = r; data[i + 1] = g; data[i + 2] = b; }
  return { width, height, data };
}
