// Headless chromium for the viewer's browser tests (playwright-core driving Debian's chromium).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

export const CHROMIUM = process.env.PIXELGYM_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser suite runs. A missing browser skips it with a console warning, unless
 * PIXELGYM_REQUIRE_BROWSER is set: then the suite runs and fails at launch.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.PIXELGYM_REQUIRE_BROWSER) return true;
  console.warn(`[pixelgym] SKIPPING the viewer's browser tests: no chromium at ${CHROMIUM} (set PIXELGYM_CHROMIUM, or PIXELGYM_REQUIRE_BROWSER=1 to make this a failure)`);
  return false;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} and PIXELGYM_REQUIRE_BROWSER is set`);
  const dir = mkdtempSync(join(tmpdir(), 'pixelgym-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The viewer's status object from the page. */
export async function pageStatus(page: Page): Promise<Record<string, unknown> & { framesDrawn: number; framesReceived: number; paused: boolean }> {
  return page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as { __pixelgym?: unknown }).__pixelgym ?? null)));
}

/** Waits until `pred` holds for the page's status, or fails after `ms`. */
export async function waitForStatus(page: Page, pred: string, ms = 10_000): Promise<void> {
  await page.waitForFunction(`(() => { const s = window.__pixelgym; return !!s && (${pred}); })()`, undefined, { timeout: ms });
}

export interface CanvasImage {
  width: number;
  height: number;
  /** RGBA */
  data: Uint8Array;
  pixel(x: number, y: number): [number, number, number];
}

/** A screenshot of the viewer's canvas, decoded. */
export async function canvasImage(page: Page): Promise<CanvasImage> {
  const png = PNG.sync.read(await page.locator('#stage canvas').screenshot());
  const data = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  return {
    width: png.width,
    height: png.height,
    data,
    pixel(x, y) {
      const o = (Math.floor(y) * png.width + Math.floor(x)) * 4;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    },
  };
}

/** Canvas pixels (RGB) at the given canvas coordinates, read in the page through a 2-D copy of the WebGL canvas. */
export async function samplePixels(page: Page, points: [number, number][]): Promise<[number, number, number][]> {
  return page.evaluate((pts) => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown; createElement(t: string): unknown } }).document;
    const src = doc.querySelector('#stage canvas') as { width: number; height: number };
    const copy = doc.createElement('canvas') as {
      width: number;
      height: number;
      getContext(k: string): { drawImage(i: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
    copy.width = src.width;
    copy.height = src.height;
    const ctx = copy.getContext('2d');
    ctx.drawImage(src, 0, 0);
    const all = ctx.getImageData(0, 0, src.width, src.height).data;
    return pts.map(([x, y]) => {
      const o = (Math.floor(y) * src.width + Math.floor(x)) * 4;
      return [all[o]!, all[o + 1]!, all[o + 2]!] as [number, number, number];
    });
  }, points);
}
