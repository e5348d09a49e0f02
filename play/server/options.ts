import type { Observable } from 'rxjs';
import type { Agent } from '../../agents/agent.js';
import type { Env } from '../../envs/core.js';
import type { Space } from '../../envs/spaces/space.js';
import type { Policy, RolloutStep } from '../../envs/streams/types.js';
import type { DemonstrationRecorder } from '../demos.js';
import type { FlowLimits } from './clients.js';
import type { ViewerLogger } from './logger.js';
import type { MetricRecord } from './metrics.js';
import type { OverlayEvery, OverlayFunction } from './overlays.js';
import type { ViewerMode } from './protocol.js';

export interface ViewerOptions<O = unknown, A = unknown> {
  /** Address to bind (default 127.0.0.1: only this machine can connect). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** Folder of the built viewer (default dist/play/viewer). */
  staticDir?: string;
  logger?: ViewerLogger;
  /** Shown in the page's header. */
  title?: string;
  /**
   * 'stream' shows `steps$` (someone else's loop, e.g. training: never slowed down, frames dropped
   * for slow pages); 'watch' runs `env` with `agent`/`policy` (random when neither) at
   * `stepsPerSecond`; 'play' runs `env` from the keys held in the page. Default: 'stream' when
   * `steps$` is given, else 'watch'.
   */
  mode?: ViewerMode;
  /** The env: run by watch and play; in stream mode, rendered (scene(), render()) when steps arrive. */
  env?: Env<O, A> | null;
  /** Its explain() gives the Q-values / probabilities shown; in watch mode it also acts (greedily). */
  agent?: Agent<O, A> | null;
  /** Watch mode: acts instead of the agent. */
  policy?: Policy<O, A>;
  /** Stream mode: the steps to show. Subscribed once at start; share() a cold rollout$. */
  steps$?: Observable<RolloutStep<O, A>>;
  /** How to read the observations (default env.observationSpace): image observations are shown as they are. */
  observationSpace?: Space<O> | null;
  /** Seed of the first reset (watch, play). */
  seed?: number;
  /** Watch/play pace (default env.metadata.renderFps). */
  stepsPerSecond?: number;
  /** Start paused (watch, play). */
  paused?: boolean;
  /** Records every step of the loop (watch, play)… */
  recorder?: DemonstrationRecorder;
  /** …and saves it here (atomically) after every episode and on close. */
  recordPath?: string;
  /** Learning-curve records, live. */
  metrics$?: Observable<MetricRecord>;
  /** Learning-curve records from a JSON-lines file, tailed while it grows. */
  metricsFile?: string;
  metricsPollMs?: number;
  /** Action names shown beside actions and bars (default from the env, see actionNamesOf). */
  actionNames?: string[];
  /** Pages connected at once (default 8); more are turned away. */
  maxClients?: number;
  flow?: Partial<FlowLimits>;
  /** Steps sent a second at most (default 20 in stream mode, 60 in watch and play; Infinity: every step a page is ready for). */
  maxSendFps?: number;
  /**
   * Stream mode: the largest share of the wall time that building and sending frames may take
   * (default 0.02), so an expensive explain() or scene cannot slow a training run.
   */
  maxTimeShare?: number;
  /**
   * A per-pixel map of each state shown (e.g. nets/vision/explain's liveExplainer: saliency of the
   * agent's chosen action), sent after the state's frame and drawn over it by the page.
   */
  overlay?: OverlayFunction<O>;
  /**
   * Which frames sent get an overlay: every k-th, or 'auto' (default): as often as keeps the
   * overlays under half the wall time (they are computed on the server's loop).
   */
  overlayEvery?: OverlayEvery;
  /** Long side of the pixel frame sent, at most (default 160; image observations larger than that are scaled down). */
  maxFrameSide?: number;
}
