// startViewer: one HTTP server for the viewer's files and one WebSocket endpoint (/ws) on the same
// port, streaming states from a source (watch, play or stream mode) to every connected page.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Subscription, bufferTime, filter, map, merge, type Observable } from 'rxjs';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Agent } from '../../agents/agent.js';
import type { Env } from '../../envs/core.js';
import { Discrete } from '../../envs/spaces/discrete.js';
import type { Space } from '../../envs/spaces/space.js';
import { actionNamesOf } from './actionNames.js';
import { ClientSet, DEFAULT_FLOW_LIMITS, type FlowLimits, type ViewerClient } from './clients.js';
import { LimitedLog, stderrLogger, type ViewerLogger } from './logger.js';
import { CurveHistory, tailJsonl$, toCurvePoint, type MetricRecord } from './metrics.js';
import type { ViewerOptions } from './options.js';
import { OverlaySchedule, checkOverlayEvery, type OverlayEvery, type OverlayFunction } from './overlays.js';
import { checkStepsPerSecond } from './pacedLoop.js';
import { PROTOCOL_VERSION, encodeOverlay, parseClientMessage, type CurvePoint, type ServerMessage, type ViewerMode } from './protocol.js';
import { EpisodeTracker, type Snapshot } from './snapshot.js';
import type { RolloutStep } from '../../envs/streams/types.js';
import { SendGate, loopSource, streamSource, type ViewerSource } from './sources.js';
import { checkViewerDir, defaultViewerDir, staticHandler } from './staticFiles.js';
import { StepPublisher } from './stepPublisher.js';

export interface ViewerStats {
  clients: number;
  /** Steps sent to pages (one per page that got it). */
  framesSent: number;
  /** Steps a page missed because it was not ready (behind, paused or its buffer full). */
  framesDropped: number;
  /** Client messages ignored: not JSON, wrong shape, unknown type, binary or too large. */
  malformedMessages: number;
  /** Client connections turned away (too many pages, foreign origin). */
  rejectedConnections: number;
  /** Learning-curve points held. */
  curvePoints: number;
  /** Overlay maps computed (the `overlay` option) and sent (one per page that got one). */
  overlaysComputed: number;
  overlaysSent: number;
  /** Mean milliseconds an overlay map took to compute (0 before the first). */
  overlayMeanMs: number;
}

export interface ViewerHandle {
  /** http://host:port/ */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly mode: ViewerMode;
  stats(): ViewerStats;
  /** Shows a per-pixel map (saliency, occlusion, attention) over the agent's frame, semi-transparent. */
  overlay(values: ArrayLike<number>, width: number, height: number): void;
  close(): Promise<void>;
}

const WS_PATH = '/ws';
/** Larger client messages close their connection (ws enforces it); smaller bad ones are ignored. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith('127.');
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`startViewer: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

interface Resolved {
  host: string;
  port: number;
  staticDir: string;
  logger: ViewerLogger;
  mode: ViewerMode;
  maxClients: number;
  flow: FlowLimits;
  maxSendFps: number;
  maxTimeShare: number;
  maxFrameSide: number;
  overlayEvery: OverlayEvery;
}

/** Checks every option before anything starts, so bad input changes nothing. */
function resolveOptions<O, A>(o: ViewerOptions<O, A>, hasStreamFactory: boolean): Resolved {
  if (typeof o !== 'object' || o === null) throw new TypeError('startViewer: options must be an object');
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw new TypeError('startViewer: host must be a non-empty string');
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`startViewer: port must be an integer in 0..65535, got ${String(port)}`);
  const mode = o.mode ?? (o.steps$ || hasStreamFactory || !o.env ? 'stream' : 'watch');
  if (mode !== 'stream' && mode !== 'watch' && mode !== 'play') throw new TypeError(`startViewer: unknown mode '${String(mode)}'`);
  if (mode === 'stream' && o.steps$ && typeof o.steps$.subscribe !== 'function') throw new TypeError('startViewer: steps$ must be an Observable');
  if (mode !== 'stream' && (!o.env || typeof o.env.step !== 'function')) throw new TypeError(`startViewer: ${mode} mode needs an env`);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw new TypeError(`startViewer: seed must be an integer, got ${String(o.seed)}`);
  if (o.stepsPerSecond !== undefined) checkStepsPerSecond(o.stepsPerSecond);
  if (o.metrics$ && typeof o.metrics$.subscribe !== 'function') throw new TypeError('startViewer: metrics$ must be an Observable');
  if (o.metricsFile !== undefined && (typeof o.metricsFile !== 'string' || o.metricsFile.length === 0)) throw new TypeError('startViewer: metricsFile must be a path');
  if (o.recordPath !== undefined && !o.recorder) throw new TypeError('startViewer: recordPath needs a recorder');
  if (o.overlay !== undefined && typeof o.overlay !== 'function') throw new TypeError('startViewer: overlay must be a function (observation, target) => map');
  if (o.overlayEvery !== undefined && o.overlay === undefined) throw new TypeError('startViewer: overlayEvery needs an overlay function');
  const overlayEvery = checkOverlayEvery(o.overlayEvery ?? 'auto');
  // A trainer's steps are watched at 20 frames a second by default: plenty for a person, and each
  // frame costs the trainer's process and the page's renderer some CPU.
  const maxSendFps = o.maxSendFps ?? (mode === 'stream' ? 20 : 60);
  if (!(maxSendFps > 0)) throw new RangeError(`startViewer: maxSendFps must be positive, got ${String(maxSendFps)}`);
  const maxTimeShare = o.maxTimeShare ?? 0.02;
  if (!(maxTimeShare > 0 && maxTimeShare <= 1)) throw new RangeError(`startViewer: maxTimeShare must be in (0, 1], got ${String(maxTimeShare)}`);
  const flow: FlowLimits = { ...DEFAULT_FLOW_LIMITS, ...(o.flow ?? {}) };
  positiveInt('flow.maxInFlight', flow.maxInFlight, 1);
  positiveInt('flow.maxBufferedBytes', flow.maxBufferedBytes, 1);
  if (!(flow.ackTimeoutMs > 0)) throw new RangeError('startViewer: flow.ackTimeoutMs must be positive');
  return {
    host,
    port,
    staticDir: checkViewerDir(o.staticDir ?? defaultViewerDir()),
    logger: o.logger ?? stderrLogger,
    mode,
    maxClients: positiveInt('maxClients', o.maxClients, 8),
    flow,
    maxSendFps,
    maxTimeShare,
    maxFrameSide: positiveInt('maxFrameSide', o.maxFrameSide, 160),
    overlayEvery,
  };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Origin must be absent (non-browser clients) or this server's own page. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `http://${req.headers.host ?? ''}`;
}

function hostHeaderName(req: IncomingMessage): string {
  const h = req.headers.host ?? '';
  return h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0]!;
}

/**
 * Starts the viewer server. Watch and play modes run `env` in the server's own paced loop; stream
 * mode shows `steps$` without ever slowing it. The page at `url` starts playing as soon as it
 * loads. `close()` stops everything it started.
 */
export async function startViewer<O = unknown, A = unknown>(options: ViewerOptions<O, A>): Promise<ViewerHandle> {
  return launchViewer(options, null);
}

/** Builds a stream-mode source from another kind of step stream (attachViewer's training steps). */
export type StreamSourceFactory = (hasClients: () => boolean, gate: SendGate) => ViewerSource;

/** startViewer, with stream mode fed by `streamFactory` instead of `options.steps$`. */
export async function launchViewer<O, A>(options: ViewerOptions<O, A>, streamFactory: StreamSourceFactory | null): Promise<ViewerHandle> {
  const r = resolveOptions(options, streamFactory !== null);
  const env = (options.env ?? null) as Env<unknown, unknown> | null;
  const log = new LimitedLog(r.logger);
  const clients = new ClientSet(r.flow, r.maxClients);
  const history = new CurveHistory();
  let malformed = 0;
  let rejected = 0;
  const actionNames = options.actionNames ?? (env ? actionNamesOf(env) : null);
  const actionStart = env && env.actionSpace instanceof Discrete ? env.actionSpace.start : 0;
  const overlaySchedule = options.overlay ? new OverlaySchedule(r.overlayEvery) : null;
  const publisher = new StepPublisher(clients, {
    env,
    agent: (options.agent ?? null) as Agent<unknown, unknown> | null,
    observationSpace: (options.observationSpace ?? env?.observationSpace ?? null) as Space<unknown> | null,
    actionNames,
    actionStart,
    maxFrameSide: r.maxFrameSide,
    logger: r.logger,
    overlay: options.overlay ? { fn: options.overlay as OverlayFunction, schedule: overlaySchedule! } : null,
  });
  // Nothing is serialized for nobody: a trainer without a page pays only for the bookkeeping.
  const broadcast = (m: ServerMessage): void => {
    if (clients.size > 0) clients.broadcastText(JSON.stringify(m));
  };
  const reportError = (err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err);
    r.logger.warn(`viewer: the env loop stopped: ${message}`);
    broadcast({ type: 'error', message });
  };
  const addCurvePoint = (p: CurvePoint): void => history.add(p);
  const hasMetrics = !!options.metrics$ || !!options.metricsFile;

  // The loop's newest state (watch, play), for pages that connect while it waits.
  let lastLoopSnapshot: Snapshot | null = null;
  // What the loop's states mean beyond the page: recording, and episode ends.
  const recorder = options.recorder ?? null;
  const observeLoop = (snap: Snapshot<O, A>): void => {
    lastLoopSnapshot = snap as Snapshot;
    const step = snap.step;
    // A recording that fails (a full disk) is reported; the loop and the page go on.
    try {
      if (recorder) {
        if (!step) recorder.beginEpisode(snap.observation);
        else recorder.addStep(step.action, step.reward, step.terminated, step.truncated, step.nextObservation);
      }
      if (step?.done && recorder && options.recordPath) recorder.save(options.recordPath);
    } catch (err) {
      log.warn('recording', `viewer: recording failed: ${(err as Error).message}`);
    }
    if (step?.done) {
      broadcast({ type: 'episode', episode: snap.episode, return: snap.episodeReturn, length: snap.t });
      // Without a run's metrics, the curve is the episode returns seen here.
      if (!hasMetrics) {
        const p: CurvePoint = { x: snap.episode, values: { episodeReturn: snap.episodeReturn, episodeLength: snap.t } };
        addCurvePoint(p);
        broadcast({ type: 'metrics', reset: false, points: [p] });
      }
    }
  };

  let source: ViewerSource | null = null;
  if (r.mode === 'stream') {
    const hasClients = (): boolean => clients.size > 0;
    const gate = new SendGate(r.maxSendFps, r.maxTimeShare);
    if (streamFactory) source = streamFactory(hasClients, gate);
    else if (options.steps$) source = streamSource(options.steps$ as Observable<RolloutStep>, new EpisodeTracker(), hasClients, gate);
  } else {
    source = loopSource<O, A>({
      mode: r.mode,
      env: options.env as Env<O, A>,
      agent: options.agent ?? null,
      policy: options.policy ?? null,
      seed: options.seed,
      stepsPerSecond: options.stepsPerSecond ?? Math.min(Math.max(options.env!.metadata?.renderFps || 30, 1), 1000),
      paused: options.paused ?? false,
      maxSendFps: r.maxSendFps,
      onError: reportError,
      observe: observeLoop,
    });
  }

  const http = createServer();
  const files = staticHandler(r.staticDir);
  const loopbackOnly = isLoopback(r.host);
  http.on('request', (req, res) => {
    // A page on another site reaching 127.0.0.1 through a rebound DNS name gets nothing.
    if (loopbackOnly && !isLoopback(hostHeaderName(req))) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('bad host\n');
      return;
    }
    files(req, res);
  });
  const wss = new WebSocketServer({
    server: http,
    path: WS_PATH,
    maxPayload: MAX_PAYLOAD_BYTES,
    perMessageDeflate: false,
    verifyClient: (info: { req: IncomingMessage }) => {
      const ok = sameOrigin(info.req) && clients.size < r.maxClients && (!loopbackOnly || isLoopback(hostHeaderName(info.req)));
      if (!ok) rejected++;
      return ok;
    },
  });

  const sendTo = (c: ViewerClient, m: ServerMessage): void => clients.sendText(c, JSON.stringify(m));
  // In stream mode pausing is per page, so a page's status shows its own pause.
  const status = (c?: ViewerClient): ServerMessage => {
    const s = source?.status() ?? { paused: false, stepsPerSecond: null };
    return { type: 'status', paused: r.mode === 'stream' && c ? c.paused : s.paused, stepsPerSecond: s.stepsPerSecond };
  };

  const onMessage = (c: ViewerClient, data: RawData, isBinary: boolean): void => {
    const ignore = (reason: string): void => {
      malformed++;
      c.ignored++;
      log.warn(`client ${c.id}`, `viewer: ignored a message from page ${c.id}: ${reason}`);
    };
    if (isBinary) return ignore('binary message');
    const size = Array.isArray(data) ? data.reduce((a, b) => a + b.length, 0) : data.byteLength;
    if (size > 1024) return ignore(`message of ${size} bytes is too large`);
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return ignore(parsed.reason);
    const msg = parsed.message;
    if (msg.type === 'ack') {
      c.acknowledge();
      return;
    }
    let used = false;
    try {
      used = source ? source.handle(msg, c) : false;
    } catch (err) {
      return ignore((err as Error).message);
    }
    if (!used && msg.type !== 'keydown' && msg.type !== 'keyup') r.logger.info(`viewer: '${msg.type}' does nothing in ${r.mode} mode`);
    if (r.mode === 'stream' && (msg.type === 'pause' || msg.type === 'resume' || msg.type === 'step')) sendTo(c, status(c));
  };

  wss.on('connection', (socket: WebSocket) => {
    const c = clients.add(socket);
    socket.on('message', (data, isBinary) => onMessage(c, data, isBinary));
    socket.on('error', (err) => {
      malformed++;
      log.warn(`client ${c.id}`, `viewer: page ${c.id}: ${err.message}`);
    });
    socket.on('close', () => {
      clients.remove(socket);
      log.forget(`client ${c.id}`);
    });
    const st = source?.status() ?? { paused: false, stepsPerSecond: null };
    sendTo(c, {
      type: 'hello',
      version: PROTOCOL_VERSION,
      mode: r.mode,
      title: options.title ?? (env?.spec?.id ? `${env.spec.id} · ${r.mode}` : `pixelgym · ${r.mode}`),
      envId: env?.spec?.id ?? null,
      actionNames,
      keys: source?.keys ?? [],
      paused: st.paused,
      stepsPerSecond: st.stepsPerSecond,
    });
    sendTo(c, { type: 'metrics', reset: true, points: history.points() });
    // The loop may be paused or waiting for a key: show the newcomer where it stands.
    if (lastLoopSnapshot) publisher.publish(lastLoopSnapshot, performance.now(), c);
  });
  wss.on('error', (err) => r.logger.warn(`viewer: websocket server: ${err.message}`));

  const address = await listen(http, r.port, r.host);
  const subs = new Subscription();
  if (source) {
    subs.add(
      source.snapshots$.subscribe({
        next: (snap) => {
          const start = performance.now();
          try {
            publisher.publish(snap, start);
          } catch (err) {
            // A frame that cannot be built (a broken render()) is skipped, never thrown at the loop.
            log.warn('publish', `viewer: could not show a step: ${(err as Error).message}`);
          }
          source?.gate?.spent(start, performance.now());
        },
        error: reportError,
      }),
    );
    if (r.mode !== 'stream') subs.add(source.status$.subscribe(() => broadcast(status())));
  }
  const metricSources: Observable<MetricRecord>[] = [];
  if (options.metrics$) metricSources.push(options.metrics$);
  if (options.metricsFile)
    metricSources.push(
      tailJsonl$(options.metricsFile, {
        pollMs: options.metricsPollMs ?? 500,
        onBadLine: (_line, n) => log.warn('metrics file', `viewer: ${options.metricsFile}: line ${n} is not a JSON object (skipped)`),
      }),
    );
  if (metricSources.length > 0) {
    let index = 0;
    subs.add(
      merge(...metricSources)
        .pipe(
          map((rec) => toCurvePoint(rec, index++)),
          filter((p): p is CurvePoint => p !== null),
          bufferTime(250, null, 500),
          filter((points) => points.length > 0),
        )
        .subscribe({
          // History and broadcast change together, so a page joining in between sees each point once.
          next: (points) => {
            for (const p of points) addCurvePoint(p);
            broadcast({ type: 'metrics', reset: false, points });
          },
          error: (err: unknown) => r.logger.warn(`viewer: metrics stream failed: ${(err as Error).message}`),
        }),
    );
  }

  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${hostForUrl}:${address.port}/`,
    host: address.address,
    port: address.port,
    mode: r.mode,
    stats: () => ({
      clients: clients.size,
      framesSent: clients.framesSent,
      framesDropped: clients.framesDropped,
      malformedMessages: malformed,
      rejectedConnections: rejected,
      curvePoints: history.size,
      overlaysComputed: overlaySchedule?.computed ?? 0,
      overlaysSent: publisher.overlaysSent,
      overlayMeanMs: overlaySchedule?.meanMs ?? 0,
    }),
    overlay(values, width, height) {
      clients.broadcastBinary(encodeOverlay(publisher.lastSeq >>> 0, width, height, values));
    },
    close() {
      closed ??= (async () => {
        subs.unsubscribe();
        source?.close();
        if (recorder && options.recordPath && recorder.stepCount > 0) {
          try {
            recorder.save(options.recordPath);
          } catch (err) {
            r.logger.warn(`viewer: could not save the recording: ${(err as Error).message}`);
          }
        }
        clients.closeAll();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      })();
      return closed;
    },
  };
}
