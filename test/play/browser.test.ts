import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { make } from '../../envs/index.js';
import { startViewer, type ViewerHandle } from '../../play/index.js';
import { browserAvailable, canvasImage, launchBrowser, pageStatus, waitForStatus, type Browser } from './browser.js';

const run = browserAvailable();

describe.skipIf(!run)('viewer in headless chromium', () => {
  let browser: Browser;
  const servers: ViewerHandle[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await browser?.close();
  });

  async function open(viewer: ViewerHandle): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') console.error(`[page] ${m.text()}`);
    });
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await page.goto(viewer.url);
    return page;
  }

  it('smoke', async () => {
    const env = make('Catch-v0', { obsType: 'rgb' });
    const viewer = await startViewer({ env, seed: 3, stepsPerSecond: 20, logger: { info: () => {}, warn: (m) => console.warn(m) } });
    servers.push(viewer);
    const page = await open(viewer);
    await waitForStatus(page, 's.framesDrawn >= 5');
    const st = await pageStatus(page);
    console.log(JSON.stringify(st).slice(0, 800));
    await page.screenshot({ path: '/tmp/pg-smoke.png' });
    const img = await canvasImage(page);
    console.log(img.width, img.height, img.pixel(10, 10), img.pixel(500, 200));
    expect(st.framesDrawn).toBeGreaterThanOrEqual(5);
  });
});
