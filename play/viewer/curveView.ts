// The learning curve: one series of the run's metrics (picked in #curve-key) on a 2-D canvas.
import type { CurvePoint } from '../server/protocol.js';

/** Points kept on the page; older ones are thinned (every other one dropped) past this. */
const MAX_POINTS = 4000;

export class CurveView {
  private points: CurvePoint[] = [];
  private readonly keys = new Set<string>();
  private chosen: string | null = null;
  private drawPending = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly select: HTMLSelectElement,
  ) {
    select.addEventListener('change', () => {
      this.chosen = select.value || null;
      this.requestDraw();
    });
  }

  get size(): number {
    return this.points.length;
  }

  add(points: CurvePoint[], reset: boolean): void {
    if (reset) this.points = [];
    for (const p of points) {
      if (this.points.length >= MAX_POINTS) this.points = this.points.filter((_, i) => i % 2 === 0);
      this.points.push(p);
      for (const k of Object.keys(p.values)) this.addKey(k);
    }
    this.requestDraw();
  }

  private addKey(k: string): void {
    if (this.keys.has(k)) return;
    this.keys.add(k);
    const opt = document.createElement('option');
    opt.value = k;
    opt.textContent = k;
    this.select.append(opt);
    // Returns are what people look for first.
    if (this.chosen === null || (!/return/i.test(this.chosen) && /return/i.test(k))) {
      this.chosen = k;
      this.select.value = k;
    }
  }

  /** At most one redraw a frame, however many points arrive. */
  private requestDraw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.draw();
    });
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { width: W, height: H } = this.canvas;
    ctx.clearRect(0, 0, W, H);
    const key = this.chosen;
    if (!key) return;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const p of this.points) {
      const y = p.values[key];
      if (y !== undefined) {
        xs.push(p.x);
        ys.push(y);
      }
    }
    if (xs.length === 0) return;
    const pad = 30;
    let x0 = Math.min(...xs);
    let x1 = Math.max(...xs);
    let y0 = Math.min(...ys);
    let y1 = Math.max(...ys);
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) {
      y0 -= 1;
      y1 += 1;
    }
    const px = (x: number) => pad + ((x - x0) / (x1 - x0)) * (W - 2 * pad);
    const py = (y: number) => H - pad + ((y - y0) / (y1 - y0)) * -(H - 2 * pad);
    ctx.strokeStyle = '#555';
    ctx.strokeRect(pad, pad, W - 2 * pad, H - 2 * pad);
    ctx.fillStyle = '#999';
    ctx.font = '11px monospace';
    ctx.fillText(String(Math.round(y1 * 100) / 100), 2, pad);
    ctx.fillText(String(Math.round(y0 * 100) / 100), 2, H - pad);
    ctx.fillText(String(x0), pad, H - 8);
    ctx.fillText(String(x1), W - pad - 40, H - 8);
    ctx.strokeStyle = '#3fa9f5';
    ctx.beginPath();
    xs.forEach((x, i) => (i === 0 ? ctx.moveTo(px(x), py(ys[i]!)) : ctx.lineTo(px(x), py(ys[i]!))));
    ctx.stroke();
    // A few points make no visible line: mark each.
    if (xs.length <= 50) {
      ctx.fillStyle = '#3fa9f5';
      xs.forEach((x, i) => ctx.fillRect(px(x) - 2, py(ys[i]!) - 2, 4, 4));
    }
  }
}
