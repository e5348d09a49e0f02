// The viewer page in a real headless chromium: frames drawn as sent, controls, keys in play mode,
// overlays, a bad client, a training run's curve. Skips (with a warning) only without a browser.
import { Subject } from 'rxjs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { singleEnvStep } from '../../agents/common.js';
import type { TrainStep } from '../../agents/types.js';
import { make } from '../../envs/index.js';
import type { CatchEnv } from '../../envs/games/catch.js';
import { attachViewer, startViewer, type ViewerHandle, type ViewerLogger } from '../../play/index.js';
import type { FrameMessage, OverlayMessage } from '../../play/server/protocol.js';
import { browserAvailable, launchBrowser, pageStatus, samplePixels, waitForStatus, type Browser } from './browser.js';
import { RawClient, sleep } from './rawClient.js';

const run = browserAvailable();
const quiet: ViewerLogger = { info: () => {}, warn: () => {} };
const PADDLE = [0x3f, 0xa9, 0xf5];

describe.skipIf(!run)('viewer in headless chromium', () => {
  let browser: Browser;
  const closers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await Promise.all(closers.map((s) => s.close()));
    await browser?.close();
  });

  async function serve(opts: Parameters<typeof startViewer>[0]): Promise<ViewerHandle> {
    const v = await startViewer({ logger: quiet, ...opts });
    closers.push(v);
    return v;
  }

  async function open(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await page.goto(url);
    return page;
  }

  it('plays as soon as it loads and draws the frame it was sent, pixel for pixel, beside the scene', async () => {
    const env = make('Catch-v0', { obsType: 'rgb' });
    const v = await serve({ env, seed: 3, stepsPerSecond: 30 });
    const page = await open(v.url);
    await waitForStatus(page, 's.framesDrawn >= 3');
    await page.click('#pause');
    await waitForStatus(page, 's.paused === true');
    // A raw client sees the same broadcast as the page: take one step and compare.
    const raw = await RawClient.open(v.url);
    closers.push(raw);
    await raw.waitFor(() => raw.steps().length >= 1, 3000, 'the current state');
    const before = (await pageStatus(page)).framesDrawn;
    await page.keyboard.press('Period');
    await waitForStatus(page, `s.framesDrawn === ${before + 1}`);
    const st = await pageStatus(page);
    const seq = (st.lastStep as { seq: number }).seq;
    await raw.waitFor(() => raw.binaries.some((b) => b.seq === seq), 3000, 'the same frame on the raw client');
    const frame = raw.binaries.find((b) => b.seq === seq) as FrameMessage;
    const rect = st.frameRect as { x: number; y: number; width: number; height: number };
    expect(rect).toEqual({ x: 0, y: 0, width: 336, height: 336 });
    const scale = rect.width / frame.width;
    const pts: [number, number][] = [];
    const want: number[][] = [];
    for (let fy = 1; fy < frame.height; fy += 6)
      for (let fx = 2; fx < frame.width; fx += 6) {
        pts.push([rect.x + (fx + 0.5) * scale, rect.y + (fy + 0.5) * scale]);
        const o = (fy * frame.width + fx) * 3;
        want.push([frame.rgb[o]!, frame.rgb[o + 1]!, frame.rgb[o + 2]!]);
      }
    const got = await samplePixels(page, pts);
    expect(got).toEqual(want);
    // The scene: the paddle's cell on the right-hand side is drawn in the paddle's colour.
    const inner = env.unwrapped as unknown as CatchEnv;
    const scene = st.sceneRect as { x: number; width: number };
    const cell = scene.width / 5;
    const [paddle] = await samplePixels(page, [[scene.x + (inner.paddleX + 0.5) * cell, 9.5 * cell]]);
    expect(paddle).toEqual(PADDLE);
    const names = await page.locator('#action').textContent();
    // Right after a reset no action led to the frame shown (Catch resets every 9 steps).
    const last = st.lastStep as { t: number; action: number | null };
    if (last.t === 0) expect(last.action === null && names === '–').toBe(true);
    else expect(names).toMatch(/\((left|noop|right)\)/);
  });

  it('pause stops the frames, Space resumes, "." steps once, "+" speeds up, R restarts with the seed', async () => {
    const v = await serve({ env: make('CartPole-v1'), seed: 1, stepsPerSecond: 40 });
    const page = await open(v.url);
    await waitForStatus(page, 's.framesDrawn >= 3');
    await page.click('#pause');
    await waitForStatus(page, 's.paused === true');
    await sleep(150);
    const a = await pageStatus(page);
    const sent = v.stats().framesSent;
    await sleep(500);
    const b = await pageStatus(page);
    expect(b.framesDrawn).toBe(a.framesDrawn);
    expect(v.stats().framesSent).toBe(sent);
    expect(await page.locator('#pause').getAttribute('data-paused')).toBe('true');
    await page.keyboard.press('Period');
    await waitForStatus(page, `s.framesDrawn === ${a.framesDrawn + 1}`);
    await page.keyboard.press('Equal');
    await waitForStatus(page, 's.stepsPerSecond === 80');
    await page.fill('#seed', '123');
    await page.locator('#seed').blur(); // keys typed into the seed box are not shortcuts
    await page.keyboard.press('KeyR');
    await waitForStatus(page, 's.lastStep && s.lastStep.t === 0 && s.lastStep.episode === 0');
    await page.keyboard.press('Space');
    await waitForStatus(page, `s.paused === false && s.framesDrawn > ${a.framesDrawn + 5}`);
    // CartPole's observation is not an image: the frame is its scene rasterized (600×400 fitted to 160×107).
    expect((await pageStatus(page)).frameSize).toEqual({ width: 160, height: 107 });
  });

  it('play mode: held arrow keys move the Catch paddle', async () => {
    const env = make('Catch-v0', { obsType: 'rgb' });
    const v = await serve({ mode: 'play', env, seed: 4, stepsPerSecond: 15 });
    const page = await open(v.url);
    await waitForStatus(page, 's.mode === "play" && s.framesDrawn >= 1');
    const paddleX = async () => ((await pageStatus(page)).sceneShapes as { kind: string; x: number }[]).find((s) => s.kind === 'paddle')!.x;
    await page.keyboard.down('ArrowLeft');
    await waitForStatus(page, 's.sceneShapes.some((x) => x.kind === "paddle" && x.x === 0)', 10_000);
    await page.keyboard.press('KeyP'); // P pauses in play mode (the arrows belong to the game)
    await waitForStatus(page, 's.paused === true');
    await page.keyboard.up('ArrowLeft');
    await sleep(200);
    // The agent's frame shows the paddle where the scene has it (bottom row, 5 columns).
    const x = await paddleX();
    const rect = (await pageStatus(page)).frameRect as { height: number; width: number };
    const [cell, other] = await samplePixels(page, [
      [((x + 0.5) * rect.width) / 5, rect.height - 4],
      [((((x + 2) % 5) + 0.5) * rect.width) / 5, rect.height - 4],
    ]);
    expect(cell).toEqual(PADDLE);
    expect(other).not.toEqual(PADDLE);
    await page.keyboard.press('KeyP');
    await waitForStatus(page, 's.paused === false');
    await page.keyboard.down('ArrowRight');
    await waitForStatus(page, 's.sceneShapes.some((x) => x.kind === "paddle" && x.x === 4)', 10_000);
    await page.keyboard.up('ArrowRight');
  });

  it('draws an overlay over the frame, and a bad client does not disturb the page', async () => {
    const v = await serve({ env: make('Catch-v0', { obsType: 'rgb' }), seed: 0, stepsPerSecond: 20, paused: true });
    const page = await open(v.url);
    await waitForStatus(page, 's.framesDrawn >= 1');
    const [before] = await samplePixels(page, [[40, 40]]);
    const map = new Float32Array(84 * 84);
    for (let y = 0; y < 21; y++) for (let x = 0; x < 21; x++) map[y * 84 + x] = 1; // the top-left corner is hot
    v.overlay(map, 84, 84);
    await waitForStatus(page, 's.overlaysDrawn === 1');
    const [hot, cold] = await samplePixels(page, [
      [40, 40],
      [300, 40],
    ]);
    expect(hot).not.toEqual(before);
    expect(hot[0]).toBeGreaterThan(hot[2]); // red end of the map
    expect(cold).toEqual(before); // value 0: fully transparent
    const bad = await RawClient.open(v.url, { ack: false });
    closers.push(bad);
    bad.send('{"type":');
    bad.send('{"type":"launch"}');
    await bad.waitFor(() => v.stats().malformedMessages === 2, 3000, 'the server to count both');
    const n = (await pageStatus(page)).framesDrawn;
    await page.click('#step');
    await waitForStatus(page, `s.framesDrawn === ${n + 1}`);
    expect((await pageStatus(page)).ignoredMessages).toBe(0);
  });

  it("watch --explain: the saliency of the agent's action is drawn over its frame, blended as sent; O toggles it", async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { DqnAgent, applyPreprocess, getPreset } = await import('../../agents/index.js');
    const { selectBackend } = await import('../../nets/backend.js');
    const { startWatch } = await import('../../play/commands/watch.js');
    await selectBackend('wasm');
    const preset = getPreset('dqn', 'catch').config as NonNullable<ConstructorParameters<typeof DqnAgent>[1]>;
    const env = applyPreprocess(make('Catch-v0'), preset.preprocess!);
    const agent = new DqnAgent({ observationSpace: env.observationSpace, actionSpace: env.actionSpace, id: 'Catch-v0' }, preset, 5);
    const dir = join(mkdtempSync(join(tmpdir(), 'pixelgym-browser-explain-')), 'agent');
    await agent.save(dir);
    agent.dispose();
    env.close();
    const v = await startWatch(dir, { explain: 'saliency', explainEvery: 1, seed: 3, speed: 10, backend: 'wasm' });
    closers.push(v);
    const page = await open(v.url);
    const raw = await RawClient.open(v.url);
    closers.push(raw);
    await waitForStatus(page, 's.overlaysDrawn >= 2');
    await page.click('#pause');
    await waitForStatus(page, 's.paused === true');
    await sleep(300);
    // One step while paused: both the page and the raw client get its frame and its overlay.
    const before = await pageStatus(page);
    await page.keyboard.press('Period');
    await waitForStatus(page, `s.framesDrawn > ${before.framesDrawn} && s.overlaysDrawn > ${before.overlaysDrawn as number} && s.overlaySeq === s.lastFrameSeq`);
    const st = await pageStatus(page);
    const seq = st.overlaySeq as number;
    await raw.waitFor(() => raw.binaries.some((b) => b.kind === 'overlay' && b.seq === seq), 5000, "the step's overlay on the raw client");
    const frame = raw.binaries.find((b) => b.kind === 'frame' && b.seq === seq) as FrameMessage;
    const overlay = raw.binaries.find((b) => b.kind === 'overlay' && b.seq === seq) as OverlayMessage;
    expect([overlay.width, overlay.height]).toEqual([frame.width, frame.height]);
    const rect = st.frameRect as { x: number; y: number; width: number; height: number };
    const scale = rect.width / frame.width;
    const pts: [number, number][] = [];
    for (let y = 0; y < frame.height; y++) for (let x = 0; x < frame.width; x++) pts.push([rect.x + (x + 0.5) * scale, rect.y + (y + 0.5) * scale]);
    // What FrameView draws: the heat colour of t (normalized), at opacity 0.6·t, over the frame.
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of overlay.values) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
    const expected = pts.map((_, i) => {
      const t = (overlay.values[i]! - lo) / (hi > lo ? hi - lo : 1);
      const heat = [Math.min(1, 2 * t), t < 0.5 ? 2 * t : 2 - 2 * t, Math.max(0, 1 - 2 * t)].map((c) => (Math.min(1, Math.max(0, c)) * 255) | 0);
      const a = ((t * 0.6 * 255) | 0) / 255;
      return [0, 1, 2].map((k) => heat[k]! * a + frame.rgb[i * 3 + k]! * (1 - a));
    });
    const shown = await samplePixels(page, pts);
    let hot = 0;
    shown.forEach((px, i) => {
      for (let k = 0; k < 3; k++) expect(Math.abs(px[k]! - expected[i]![k]!)).toBeLessThanOrEqual(4);
      if (overlay.values[i]! > 0.5) {
        hot++;
        expect(px).not.toEqual([frame.rgb[i * 3], frame.rgb[i * 3 + 1], frame.rgb[i * 3 + 2]]);
      }
    });
    expect(hot).toBeGreaterThan(0);
    // O hides the overlay (the frame shows as sent), and O again brings it back.
    await page.keyboard.press('KeyO');
    await waitForStatus(page, 's.overlayShown === false');
    expect(await page.locator('#overlay-toggle').isChecked()).toBe(false);
    const plain = await samplePixels(page, pts);
    plain.forEach((px, i) => expect(px).toEqual([frame.rgb[i * 3], frame.rgb[i * 3 + 1], frame.rgb[i * 3 + 2]]));
    await page.keyboard.press('KeyO');
    await waitForStatus(page, 's.overlayShown === true');
    expect(await samplePixels(page, pts)).toEqual(shown);
  });

  it("attached to a training run: steps, the agent's Q-values and the live learning curve", async () => {
    const steps$ = new Subject<TrainStep<Uint8Array, number>>();
    const metrics$ = new Subject<Record<string, number>>();
    const env = make<Uint8Array, number>('Catch-v0', { obsType: 'rgb' });
    const agent = {
      algo: 'fake',
      act: () => 1,
      save: async () => {},
      load: async () => {},
      explain: () => ({ action: 2, qValues: Float32Array.of(-1, 0.25, 1) }),
    };
    const v = await attachViewer({ steps$, metrics$, agent, envs: [env] }, { logger: quiet });
    closers.push(v);
    const page = await open(v.url);
    await waitForStatus(page, 's.connected && s.mode === "stream"');
    let obs = env.reset({ seed: 0 }).observation;
    for (let i = 0; i < 40; i++) {
      const r = env.step(1);
      steps$.next(singleEnvStep(i + 1, obs, 1, { ...r, truncated: false }, r.observation));
      obs = r.terminated ? env.reset().observation : r.observation;
      if (i % 4 === 0) metrics$.next({ step: i + 1, episodeReturn: i / 10, loss: 1 / (i + 1) });
      await sleep(20);
    }
    await waitForStatus(page, 's.curvePoints === 10 && s.framesDrawn >= 1');
    expect(await page.locator('#curve-key').inputValue()).toBe('episodeReturn');
    expect(await page.locator('#bars .bar').count()).toBe(3);
    expect(await page.locator('#bars .bar[data-greedy="true"] .name').textContent()).toBe('right');
    expect(await page.locator('#speed').textContent()).toBe("trainer's pace");
  });
});
