export type { Color, Shape, RectShape, CircleShape, LineShape, PolygonShape, TextShape, Scene, Frame } from './scene.js';
export { rasterize, rasterizeLabels, shapeBounds, type PixelBounds } from './rasterize.js';
export { fontCharacters, textCells } from './font.js';
export { StaticLayer } from './staticLayer.js';
