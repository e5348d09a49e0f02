// The viewer page: connects to the server, draws every step it is sent (the agent's frame, the
// env's scene, the agent's view), acknowledges it, and sends the controls back.
import { Application } from 'pixi.js';
import { filter, map, of, switchMap, take, tap } from 'rxjs';
import type { FrameMessage, HelloMessage, OverlayMessage, ServerMessage, StepMessage } from '../server/protocol.js';
import { connect } from './connection.js';
import { controlMessages$, type ControlState } from './controls.js';
import { CurveView } from './curveView.js';
import { FrameView } from './frameView.js';
import { InfoPanel } from './infoPanel.js';
import { SceneView } from './sceneView.js';
import { createStatus, type Rect } from './status.js';

const BOX = 336; // 84 × 4: MinAtar/Catch frames scale by a whole number
const GAP = 16;
const FRAME_BOX: Rect = { x: 0, y: 0, width: BOX, height: BOX };
const SCENE_BOX: Rect = { x: BOX + GAP, y: 0, width: BOX, height: BOX };

const status = createStatus();
window.__pixelgym = status;

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`viewer: the page has no #${id}`);
  return e as T;
}

async function main(): Promise<void> {
  const app = new Application();
  // Drawn on demand (when a step arrives), not on a ticker; the buffer is kept for screenshots.
  await app.init({
    width: 2 * BOX + GAP,
    height: BOX,
    background: 0x101114,
    preference: 'webgl',
    preserveDrawingBuffer: true,
    antialias: false,
    autoStart: false,
    resolution: 1,
  });
  el('stage').append(app.canvas);
  const frameView = new FrameView(FRAME_BOX);
  const sceneView = new SceneView(SCENE_BOX);
  app.stage.addChild(frameView.container, sceneView.container);
  const panel = new InfoPanel();
  const curve = new CurveView(el<HTMLCanvasElement>('curve'), el<HTMLSelectElement>('curve-key'));
  const envKeys = new Set<string>();
  const controlState = (): ControlState => ({ mode: status.mode, paused: status.paused, stepsPerSecond: status.stepsPerSecond, envKeys });

  const conn = connect(`ws://${location.host}/ws`);

  conn.state$.subscribe((s) => {
    status.connected = s === 'open';
    const c = el('connection');
    c.dataset.state = s;
    c.textContent = s;
  });
  conn.bad$.subscribe((reason) => {
    status.ignoredMessages++;
    console.warn(`pixelgym viewer: ignored ${reason}`);
  });

  const showState = (paused: boolean, sps: number | null): void => {
    status.paused = paused;
    status.stepsPerSecond = sps;
    const pause = el<HTMLButtonElement>('pause');
    pause.dataset.paused = String(paused);
    pause.textContent = paused ? 'Resume' : 'Pause';
    const speed = el('speed');
    speed.dataset.stepsPerSecond = sps === null ? '' : String(sps);
    speed.textContent = sps === null ? "trainer's pace" : `${Math.round(sps * 100) / 100} steps/s`;
    for (const id of ['faster', 'slower', 'restart']) el<HTMLButtonElement>(id).disabled = sps === null;
  };

  const onHello = (m: HelloMessage): void => {
    status.mode = m.mode;
    el('title').textContent = m.title;
    document.title = `${m.title} · pixelgym`;
    const mode = el('mode');
    mode.dataset.mode = m.mode;
    mode.textContent = m.mode;
    panel.setActionNames(m.actionNames);
    envKeys.clear();
    for (const k of m.keys) envKeys.add(k);
    el('play-help').hidden = m.mode !== 'play';
    el('play-keys').textContent = m.keys.join(' ');
    showState(m.paused, m.stepsPerSecond);
  };

  const onText = (m: ServerMessage): void => {
    switch (m.type) {
      case 'hello':
        onHello(m);
        break;
      case 'status':
        showState(m.paused, m.stepsPerSecond);
        break;
      case 'episode':
        status.episodesFinished++;
        break;
      case 'metrics':
        curve.add(m.points, m.reset);
        status.curvePoints = curve.size;
        break;
      case 'error':
        status.errors.push(m.message);
        panel.showError(m.message);
        break;
      case 'step':
        status.stepsReceived++;
        break;
    }
  };
  conn.messages$.subscribe(onText);

  const draw = (step: StepMessage, frame: FrameMessage | null): void => {
    const start = performance.now();
    if (frame) {
      frameView.show(frame);
      status.frameSize = { width: frame.width, height: frame.height };
      status.frameRect = frameView.rect;
      status.lastFrameSeq = frame.seq;
    }
    if (step.scene) {
      sceneView.draw(step.scene);
      status.sceneRect = sceneView.rect;
      status.sceneShapes = step.scene.shapes.map((s) => ({
        type: s.type,
        kind: s.kind ?? null,
        x: 'x' in s ? s.x : s.type === 'line' ? s.x1 : (s.points[0] ?? 0),
        y: 'y' in s ? s.y : s.type === 'line' ? s.y1 : (s.points[1] ?? 0),
      }));
    }
    panel.show(step);
    app.render();
    const { scene: _scene, ...rest } = step;
    status.lastStep = rest;
    status.framesDrawn++;
    status.lastDrawMs = performance.now() - start;
    status.meanDrawMs += (status.lastDrawMs - status.meanDrawMs) / Math.min(status.framesDrawn, 100);
    conn.send({ type: 'ack', seq: step.seq });
  };

  const frames$ = conn.binary$.pipe(
    filter((b): b is FrameMessage => b.kind === 'frame'),
    tap(() => status.framesReceived++),
  );
  // Each step is drawn with its frame, which follows it on the socket.
  conn.messages$
    .pipe(
      filter((m): m is StepMessage => m.type === 'step'),
      switchMap((step) =>
        step.frame
          ? frames$.pipe(
              filter((f) => f.seq === step.seq),
              take(1),
              map((f) => ({ step, frame: f as FrameMessage | null })),
            )
          : of({ step, frame: null as FrameMessage | null }),
      ),
    )
    .subscribe(({ step, frame }) => draw(step, frame));

  // An overlay follows its frame on the socket, so it lands on the frame it explains; it stays
  // until the next one (with --explain-every k it may be up to k − 1 frames old).
  conn.binary$.pipe(filter((b): b is OverlayMessage => b.kind === 'overlay')).subscribe((o) => {
    frameView.showOverlay(o);
    app.render();
    status.overlaysDrawn++;
    status.overlaySeq = o.seq;
  });

  const overlayToggle = el<HTMLInputElement>('overlay-toggle');
  const showOverlay = (shown: boolean): void => {
    overlayToggle.checked = shown;
    status.overlayShown = shown;
    frameView.setOverlayShown(shown);
    app.render();
  };
  overlayToggle.addEventListener('change', () => showOverlay(overlayToggle.checked));
  // O toggles the overlay (unless the env binds O in play mode, or the seed box has the focus).
  window.addEventListener('keydown', (e) => {
    if (e.code !== 'KeyO' || e.repeat || e.target instanceof HTMLInputElement || (status.mode === 'play' && envKeys.has('KeyO'))) return;
    e.preventDefault();
    showOverlay(!overlayToggle.checked);
  });

  controlMessages$(controlState).subscribe((m) => conn.send(m));
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  status.errors.push(message);
  console.error(`pixelgym viewer: ${message}`);
  const e = document.getElementById('error');
  if (e) {
    e.hidden = false;
    e.textContent = message;
  }
});
