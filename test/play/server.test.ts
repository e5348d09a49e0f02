import { copyFileSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ActionExplanation, ExplainableAgent } from '../../agents/agent.js';
import type { TrainStep } from '../../agents/types.js';
import { make, rasterize, rollout$, randomPolicy, type Env, type RolloutStep } from '../../envs/index.js';
import { CatchEnv } from '../../envs/games/catch.js';
import { DemonstrationRecorder, attachViewer, defaultViewerDir, loadDemonstrations, startViewer, type ViewerHandle, type ViewerLogger } from '../../play/index.js';
import type { FrameMessage } from '../../play/server/protocol.js';
import { RawClient, sleep } from './rawClient.js';
import { createRun } from '../../agents/train.js';
import { SendGate } from '../../play/server/sources.js';

const tmp = mkdtempSync(join(tmpdir(), 'pixelgym-viewer-'));
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function collectingLogger(): ViewerLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => {}, warn: (m) => warnings.push(m) };
}

async function viewer(opts: Parameters<typeof startViewer>[0]): Promise<ViewerHandle> {
  const v = await startViewer({ logger: collectingLogger(), ...opts });
  open.push(v);
  return v;
}

async function client(v: ViewerHandle, opts: { ack?: boolean } = {}): Promise<RawClient> {
  const c = await RawClient.open(v.url, opts);
  open.push(c);
  return c;
}

/** Sends a raw request line (no URL normalization on the way) and returns the status code. */
function rawStatus(port: number, target: string, host = `127.0.0.1:${port}`, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    s.on('error', reject);
  });
}

describe('http: only the viewer files, only on loopback', () => {
  it('binds 127.0.0.1 on a free port by default; host changes it', async () => {
    const v = await viewer({ env: make('Catch-v0'), paused: true });
    expect(v.host).toBe('127.0.0.1');
    expect(v.port).toBeGreaterThan(0);
    expect(v.url).toBe(`http://127.0.0.1:${v.port}/`);
    const w = await viewer({ env: make('Catch-v0'), paused: true, host: '127.0.0.2' });
    expect(w.host).toBe('127.0.0.2');
    expect(w.port).not.toBe(v.port);
  });

  it('serves the page, the bundle and the css with their content types; nothing else', async () => {
    const v = await viewer({ env: make('Catch-v0'), paused: true });
    const page = await fetch(v.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="/viewer.js">');
    const js = await fetch(`${v.url}viewer.js`);
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    const css = await fetch(`${v.url}style.css`);
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    for (const target of ['/../package.json', '/%2e%2e/package.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '/%252e%252e/x', '/..%5c..%5cpackage.json', 'http://127.0.0.1/etc/passwd'])
      expect([target, await rawStatus(v.port, target)]).toEqual([target, 400]);
    for (const target of ['/package.json', '/etc/passwd', '/viewer.js.map.bak', '/dist/play/viewer/index.html'])
      expect([target, await rawStatus(v.port, target)]).toEqual([target, 404]);
    expect(await rawStatus(v.port, '/', undefined, 'POST')).toBe(405);
    // A page of another site reaching us through a rebound DNS name gets nothing.
    expect(await rawStatus(v.port, '/', 'evil.example:80')).toBe(400);
  });

  it('refuses files that are symlinks out of the viewer folder, and explains a missing build', async () => {
    const dir = join(tmp, 'viewer-copy');
    mkdirSync(dir, { recursive: true });
    for (const f of ['index.html', 'viewer.js']) copyFileSync(join(defaultViewerDir(), f), join(dir, f));
    const secret = join(tmp, 'secret.txt');
    writeFileSync(secret, 'secret');
    symlinkSync(secret, join(dir, 'style.css'));
    const v = await viewer({ env: make('Catch-v0'), paused: true, staticDir: dir });
    expect((await fetch(`${v.url}index.html`)).status).toBe(200);
    const css = await fetch(`${v.url}style.css`);
    expect(css.status).toBe(404);
    expect(await css.text()).not.toContain('secret');
    await expect(startViewer({ env: make('Catch-v0'), staticDir: join(tmp, 'nothing-here') })).rejects.toThrow(/viewer is not built.*npm run build/);
  });

  it('rejects bad options before listening', async () => {
    await expect(startViewer({ env: make('Catch-v0'), port: 70000 })).rejects.toThrow(/port/);
    await expect(startViewer({ mode: 'play' })).rejects.toThrow(/play mode needs an env/);
    await expect(startViewer({ env: make('Catch-v0'), stepsPerSecond: 0 })).rejects.toThrow(/stepsPerSecond/);
    await expect(startViewer({ env: make('Catch-v0'), recordPath: join(tmp, 'x.demo') })).rejects.toThrow(/recorder/);
    await expect(startViewer({ mode: 'play', env: make('Catch-v0', undefined) as Env, staticDir: defaultViewerDir(), port: -1 })).rejects.toThrow(/port/);
  });
});

describe('websocket robustness', () => {
  it('ignores and logs malformed messages, counts them, and keeps serving', async () => {
    const logger = collectingLogger();
    const v = await viewer({ env: make('Catch-v0', { obsType: 'rgb' }), stepsPerSecond: 200, logger });
    const c = await client(v);
    await c.waitFor(() => c.steps().length >= 2, 5000, 'first steps');
    const bad = ['not json', '[1,2,3]', '{"type":"warp","to":9}', '{"type":"speed","stepsPerSecond":"fast"}', '{"type":"restart","seed":"zero"}', 'x'.repeat(2000), '{}', 'null'];
    for (const b of bad) c.send(b);
    c.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.waitFor(() => v.stats().malformedMessages >= bad.length + 1, 3000, 'malformed count');
    expect(v.stats().malformedMessages).toBe(bad.length + 1);
    expect(logger.warnings.some((w) => /unknown message type 'warp'/.test(w))).toBe(true);
    expect(logger.warnings.some((w) => /binary message/.test(w))).toBe(true);
    const before = c.steps().length;
    await c.waitFor(() => c.steps().length > before + 3, 5000, 'steps after the bad messages');
    // A message over the payload limit closes that socket only.
    const victim = await client(v);
    victim.send('y'.repeat(100_000));
    await victim.waitFor(() => victim.closed, 5000, 'the flooding socket to close');
    expect(victim.closeCode).toBe(1009);
    const again = await client(v);
    await again.waitFor(() => again.of('hello').length === 1 && again.steps().length > 0, 5000, 'a new page');
    expect((await fetch(v.url)).status).toBe(200);
  });

  it('turns away pages of other origins and pages over the limit', async () => {
    const v = await viewer({ env: make('Catch-v0'), paused: true, maxClients: 1 });
    await expect(RawClient.open(v.url, { origin: 'http://evil.example' })).rejects.toThrow(/401/);
    await client(v);
    await expect(RawClient.open(v.url)).rejects.toThrow(/401/);
    expect(v.stats().rejectedConnections).toBe(2);
  });
});

describe('watch mode', () => {
  it('streams each step as JSON (action, reward, return, scene) and a frame that is the observation', async () => {
    const v = await viewer({ env: make('Catch-v0', { obsType: 'rgb' }), seed: 5, stepsPerSecond: 300 });
    const c = await client(v);
    await c.waitFor(() => c.steps().length >= 25, 8000, '25 steps');
    const hello = c.of('hello')[0]!;
    expect(hello).toMatchObject({ mode: 'watch', envId: 'Catch-v0', actionNames: ['left', 'noop', 'right'], paused: false, stepsPerSecond: 300 });
    const frames = new Map(c.binaries.filter((b): b is FrameMessage => b.kind === 'frame').map((f) => [f.seq, f]));
    const steps = c.steps();
    let checked = 0;
    steps.forEach((s, k) => {
      const f = frames.get(s.seq)!;
      // Catch's rgb observation is its scene rasterized at 84 × 84: the frame must be exactly that.
      expect(Buffer.from(f.rgb).equals(Buffer.from(rasterize(s.scene!, 84, 84).data))).toBe(true);
      if (s.t > 0) expect(s.actionName).toBe(['left', 'noop', 'right'][s.action as number]);
      const prev = steps[k - 1];
      if (prev && prev.episode === s.episode && prev.t + 1 === s.t) {
        expect(s.episodeReturn).toBeCloseTo(prev.episodeReturn + s.reward);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(0);
    expect(c.of('episode').length).toBeGreaterThan(0);
    for (const e of c.of('episode')) expect([e.length, Math.abs(e.return)]).toEqual([9, 1]);
  });

  it('pause stops the steps, step takes exactly one, speed and restart-with-seed work', async () => {
    const env = make<Uint8Array, number>('Catch-v0', { obsType: 'rgb' });
    const v = await viewer({ env, seed: 1, stepsPerSecond: 100 });
    const c = await client(v);
    await c.waitFor(() => c.steps().length >= 3, 5000, 'steps');
    c.send({ type: 'pause' });
    await c.waitFor(() => c.of('status').some((s) => s.paused), 3000, 'paused status');
    await sleep(100);
    const n = c.steps().length;
    await sleep(300);
    expect(c.steps().length).toBe(n);
    c.send({ type: 'step' });
    await c.waitFor(() => c.steps().length === n + 1, 3000, 'one step');
    await sleep(200);
    expect(c.steps().length).toBe(n + 1);
    c.send({ type: 'speed', stepsPerSecond: 7 });
    await c.waitFor(() => c.of('status').some((s) => s.stepsPerSecond === 7), 3000, 'speed status');
    c.send({ type: 'restart', seed: 77 });
    await c.waitFor(() => c.steps().length === n + 2, 3000, 'the reset state');
    const reset = c.steps()[n + 1]!;
    expect([reset.t, reset.action, reset.episode]).toEqual([0, null, 0]);
    const frame = c.binaries.find((b) => b.seq === reset.seq) as FrameMessage;
    const twin = make<Uint8Array, number>('Catch-v0', { obsType: 'rgb' });
    expect(Buffer.from(frame.rgb).equals(Buffer.from(twin.reset({ seed: 77 }).observation))).toBe(true);
    c.send({ type: 'resume' });
    await c.waitFor(() => c.steps().length > n + 3, 3000, 'steps after resume');
  });

  it('sends a page that does not acknowledge at most maxInFlight frames at a time', async () => {
    const v = await viewer({ env: make('Catch-v0', { obsType: 'rgb' }), stepsPerSecond: 1000, maxSendFps: Infinity, flow: { maxInFlight: 3, ackTimeoutMs: 60_000 } });
    const lazy = await client(v, { ack: false });
    const eager = await client(v);
    await eager.waitFor(() => eager.steps().length >= 30, 8000, 'the acking page');
    expect(lazy.steps().length).toBe(3);
    expect(lazy.binaries.length).toBe(3);
    expect(v.stats().framesDropped).toBeGreaterThan(0);
    lazy.send({ type: 'ack', seq: lazy.steps()[0]!.seq });
    await lazy.waitFor(() => lazy.steps().length === 4, 3000, 'one more frame after an ack');
  });
});

describe('stream mode (attached to someone else loop)', () => {
  it('never holds the run back: a rollout with a stalled page runs to the end, frames capped per second', async () => {
    const env = make('CartPole-v1');
    // A trainer's steps are hot: the loop runs (here: counts) whether or not a viewer listens.
    const hot$ = new Subject<RolloutStep>();
    const v = await viewer({ steps$: hot$, env, maxSendFps: 30 });
    const stalled = await client(v, { ack: false });
    const t0 = performance.now();
    let count = 0;
    await new Promise<void>((resolve, reject) =>
      rollout$(env, randomPolicy(env.actionSpace, 0), { seed: 0, maxSteps: 30_000 }).subscribe({
        next: (s) => {
          hot$.next(s);
          count++;
        },
        complete: resolve,
        error: reject,
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    expect(count).toBe(30_000);
    expect(stalled.steps().length).toBeLessThanOrEqual(2); // maxInFlight, never acknowledged
    expect(v.stats().framesSent).toBeLessThanOrEqual(Math.ceil(seconds * 30) + 2);
    await stalled.close();
    await stalled.waitFor(() => v.stats().clients === 0, 3000, 'the closed page to be forgotten');
  });

  it('attachViewer shows one env of a training run, with the agent view and the metrics curve', async () => {
    const steps$ = new Subject<TrainStep<Float32Array, number>>();
    const metrics$ = new Subject<Record<string, number>>();
    const env = make<Float32Array, number>('CartPole-v1');
    const agent: ExplainableAgent<Float32Array, number> = {
      algo: 'fake',
      act: () => 1,
      save: async () => {},
      load: async () => {},
      explain: (obs): ActionExplanation<number> => ({ action: obs[0]! > 0 ? 1 : 0, qValues: Float32Array.of(obs[0]!, -obs[0]!), value: 0.5 }),
    };
    const v = await attachViewer({ steps$, metrics$, agent }, { env, envIndex: 1, maxSendFps: Infinity, maxTimeShare: 1, flow: { maxInFlight: 10 } });
    const c = await client(v);
    await c.waitFor(() => c.of('hello').length === 1, 3000, 'hello');
    expect(c.of('hello')[0]).toMatchObject({ mode: 'stream', stepsPerSecond: null });
    const obs = (x: number) => Float32Array.of(x, 0, 0, 0);
    const rewards = [
      [1, 2],
      [1, 3],
      [1, 4],
    ];
    rewards.forEach((r, i) => {
      steps$.next({
        globalStep: 2 * (i + 1),
        numEnvs: 2,
        observations: [obs(0), obs(i)],
        actions: [0, i % 2],
        rewards: Float64Array.from(r),
        terminated: Uint8Array.of(0, i === 1 ? 1 : 0),
        truncated: Uint8Array.of(0, 0),
        nextObservations: [obs(0), obs(i + 1)],
        finished: [],
      });
    });
    metrics$.next({ step: 100, episodeReturn: 42, loss: 0.5 });
    await c.waitFor(() => c.steps().length === 3 && c.of('metrics').some((m) => m.points.length > 0), 3000, 'steps and metrics');
    const s = c.steps();
    expect(s.map((x) => [x.episode, x.t, x.reward, x.episodeReturn, x.terminated])).toEqual([
      [0, 1, 2, 2, false],
      [0, 2, 3, 5, true],
      [1, 1, 4, 4, false],
    ]);
    expect(s[2]!.qValues).toEqual([3, -3]);
    expect([s[2]!.greedyAction, s[2]!.value]).toEqual([1, 0.5]);
    expect(c.of('metrics').flatMap((m) => m.points)).toEqual([{ x: 100, values: { episodeReturn: 42, loss: 0.5 } }]);
    // A page that joins later gets the curve so far.
    const late = await client(v);
    await late.waitFor(() => late.of('metrics').length > 0, 3000, 'history');
    expect(late.of('metrics')[0]).toEqual({ type: 'metrics', reset: true, points: [{ x: 100, values: { episodeReturn: 42, loss: 0.5 } }] });
  });

  it('attaches to a real training run (agents/train.ts): steps with Q-values and the metrics rows, and the run finishes', async () => {
    const run = await createRun({ algo: 'qlearning', env: 'FrozenLake-v1', totalSteps: 4000, logEvery: 500, evalEvery: 4000, evalEpisodes: 1, seed: 0 });
    const v = await attachViewer(run, { logger: collectingLogger(), maxSendFps: 200, maxTimeShare: 0.5 });
    open.push(v);
    const c = await client(v);
    await c.waitFor(() => c.of('hello').length === 1, 3000, 'hello');
    const result = await run.start();
    expect(result.steps).toBe(4000);
    await c.waitFor(() => c.steps().length > 0 && c.of('metrics').some((m) => m.points.length > 0), 5000, 'steps and metrics');
    const s = c.steps().at(-1)!;
    expect(s.qValues).toHaveLength(4);
    expect(s.globalStep).toBeLessThanOrEqual(4000);
    expect(c.of('metrics').flatMap((m) => m.points).some((p) => 'return' in p.values)).toBe(true);
  });

  it('a broken render() costs the page its frames, never the run', async () => {
    const logger = collectingLogger();
    const hot$ = new Subject<RolloutStep>();
    const broken = {
      ...make('CartPole-v1'),
      observationSpace: make('CartPole-v1').observationSpace,
      render: () => {
        throw new Error('no display');
      },
    } as unknown as Env;
    const v = await viewer({ steps$: hot$, env: broken, logger, maxSendFps: Infinity, maxTimeShare: 1 });
    const c = await client(v);
    await c.waitFor(() => c.of('hello').length === 1, 3000, 'hello');
    const env = make('CartPole-v1');
    let n = 0;
    await new Promise<void>((resolve, reject) =>
      rollout$(env, randomPolicy(env.actionSpace, 1), { seed: 1, maxSteps: 200 }).subscribe({ next: (s) => (hot$.next(s), n++), complete: resolve, error: reject }),
    );
    expect(n).toBe(200);
    expect(c.steps()).toEqual([]);
    expect(logger.warnings.some((w) => /could not show a step: no display/.test(w))).toBe(true);
  });

  it('the send gate keeps the cost of publishing within its share of the time', () => {
    const gate = new SendGate(Infinity, 0.02);
    expect(gate.open()).toBe(true);
    const now = performance.now();
    gate.spent(now, now + 1); // 1 ms of work → the next may start 50 ms after this one started
    expect(gate.open()).toBe(false);
    const capped = new SendGate(10, 1);
    capped.spent(performance.now(), performance.now());
    expect(capped.open()).toBe(false); // 10 a second at most
    expect(() => new SendGate(10, 0)).toThrow(/share/);
  });

  it("tails a run's metrics.jsonl as it grows, skipping bad lines and waiting for partial ones", async () => {
    const file = join(tmp, 'metrics.jsonl');
    writeFileSync(file, '{"step":10,"episodeReturn":1}\nnot json\n');
    const logger = collectingLogger();
    const v = await viewer({ metricsFile: file, metricsPollMs: 30, logger });
    const c = await client(v);
    await c.waitFor(() => c.of('metrics').flatMap((m) => m.points).length === 1, 3000, 'the first point');
    appendFileSync(file, '{"step":20,"episodeRe');
    await sleep(150);
    appendFileSync(file, 'turn":3}\n{"step":30,"episodeReturn":6}\n');
    await c.waitFor(() => c.of('metrics').flatMap((m) => m.points).length === 3, 3000, 'the appended points');
    expect(c.of('metrics').flatMap((m) => m.points.map((p) => [p.x, p.values.episodeReturn]))).toEqual([
      [10, 1],
      [20, 3],
      [30, 6],
    ]);
    expect(logger.warnings.some((w) => /line 2 is not a JSON object/.test(w))).toBe(true);
  });
});

describe('play mode', () => {
  it('steps with the held keys and records what it played', async () => {
    const env = make<Uint8Array, number>('Catch-v0', { obsType: 'grid' });
    const inner = env.unwrapped as unknown as CatchEnv;
    const recorder = DemonstrationRecorder.forEnv(env);
    const recordPath = join(tmp, 'played.demo');
    const v = await viewer({ mode: 'play', env, seed: 2, stepsPerSecond: 60, recorder, recordPath, paused: true });
    const c = await client(v);
    await c.waitFor(() => c.of('hello').length === 1 && c.steps().length === 1, 3000, 'hello and the reset state');
    expect(c.of('hello')[0]).toMatchObject({ mode: 'play', keys: ['ArrowLeft', 'ArrowRight'] });
    expect(inner.paddleX).toBe(2);
    c.send({ type: 'keydown', code: 'ArrowLeft' });
    c.send({ type: 'resume' });
    await c.waitFor(() => inner.paddleX === 0, 3000, 'the paddle to reach the left wall');
    await c.waitFor(() => c.of('episode').length >= 1, 3000, 'an episode end');
    c.send({ type: 'keyup', code: 'ArrowLeft' });
    c.send({ type: 'keydown', code: 'ArrowRight' });
    await c.waitFor(() => c.steps().some((s) => s.action === 2), 3000, 'a step to the right');
    await v.close();
    const d = loadDemonstrations(recordPath);
    expect(d.envId).toBe('Catch-v0');
    expect(d.episodes.length).toBeGreaterThanOrEqual(2);
    expect(Array.from(d.episodes[0]!.actions)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(d.episodes[0]!.terminated[8]).toBe(1);
    expect(Array.from(d.episodes.at(-1)!.actions)).toContain(2);
  });

  it("waits for a key on an env with no idle action (CartPole), and ignores keys it does not bind", async () => {
    const env = make('CartPole-v1');
    const v = await viewer({ mode: 'play', env, seed: 0, stepsPerSecond: 100 });
    const c = await client(v);
    await c.waitFor(() => c.steps().length === 1, 3000, 'the reset state');
    c.send({ type: 'keydown', code: 'KeyQ' });
    await sleep(200);
    expect(c.steps().length).toBe(1);
    c.send({ type: 'keydown', code: 'ArrowRight' });
    await c.waitFor(() => c.steps().length >= 3, 3000, 'steps while the key is held');
    expect(c.steps().slice(1).every((s) => s.action === 1)).toBe(true);
    c.send({ type: 'keyup', code: 'ArrowRight' });
    await sleep(100);
    const n = c.steps().length;
    await sleep(200);
    expect(c.steps().length).toBe(n);
    expect(v.stats().malformedMessages).toBe(0);
  });
});
