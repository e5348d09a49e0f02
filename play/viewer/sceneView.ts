// The env's vector scene (envs/render/scene.ts) drawn with pixi Graphics and Text, scaled to fit a box.
import { Container, Graphics, Text } from 'pixi.js';
import type { Scene, Shape } from '../../envs/render/scene.js';
import type { Rect } from './status.js';

export class SceneView {
  readonly container = new Container();
  private readonly graphics = new Graphics();
  /** Text objects are reused across scenes: creating one per step would churn textures. */
  private readonly texts: Text[] = [];
  rect: Rect | null = null;

  constructor(private readonly box: Rect) {
    this.container.position.set(box.x, box.y);
    this.container.addChild(this.graphics);
  }

  draw(scene: Scene): void {
    const s = Math.min(this.box.width / scene.width, this.box.height / scene.height);
    this.container.scale.set(s);
    this.container.position.set(this.box.x, this.box.y);
    this.rect = { x: this.box.x, y: this.box.y, width: scene.width * s, height: scene.height * s };
    const g = this.graphics;
    g.clear();
    g.rect(0, 0, scene.width, scene.height).fill(scene.background);
    let textUsed = 0;
    for (const shape of scene.shapes) {
      if (shape.type === 'text') this.placeText(textUsed++, shape);
      else this.drawShape(g, shape);
    }
    for (let i = textUsed; i < this.texts.length; i++) this.texts[i]!.visible = false;
  }

  private drawShape(g: Graphics, shape: Exclude<Shape, { type: 'text' }>): void {
    switch (shape.type) {
      case 'rect':
        g.rect(shape.x, shape.y, shape.w, shape.h).fill(shape.color);
        break;
      case 'circle':
        g.circle(shape.x, shape.y, shape.r).fill(shape.color);
        break;
      case 'line':
        g.moveTo(shape.x1, shape.y1).lineTo(shape.x2, shape.y2).stroke({ width: shape.width, color: shape.color, cap: 'round' });
        break;
      case 'polygon':
        if (shape.points.length >= 6) g.poly(shape.points, true).fill(shape.color);
        break;
    }
  }

  private placeText(i: number, shape: Extract<Shape, { type: 'text' }>): void {
    let t = this.texts[i];
    if (!t) {
      t = new Text({ text: '', style: { fontFamily: 'monospace', fontSize: 16, fill: 0xffffff } });
      this.texts.push(t);
      this.container.addChild(t);
    }
    t.visible = true;
    if (t.text !== shape.text) t.text = shape.text;
    // Glyphs are rendered at 16 px and scaled to the shape's height in scene units.
    t.scale.set(shape.size / 16);
    t.style.fill = shape.color;
    t.position.set(shape.x, shape.y);
  }
}
