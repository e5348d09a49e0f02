import { BaseEnv, type EnvMetadata, type ResetOptions, type ResetResult, type StepResult } from '../../core.js';
import { rasterize } from '../../render/rasterize.js';
import type { Scene } from '../../render/scene.js';
import { Box, type BoxArray } from '../../spaces/box.js';
import { Discrete } from '../../spaces/discrete.js';
import { describeValue } from '../../spaces/space.js';
import { CellSceneBuilder, checkPalette } from '../cellScene.js';
import {
  MAX_FRAME_SIDE,
  boolKwarg,
  checkKnownKwargs,
  choiceKwarg,
  intKwarg,
  probabilityKwarg,
  type Kwargs,
} from '../kwargs.js';
import { ObservationSlab } from '../observationSlab.js';
import { GRID, MINATAR_ACTION_KEYS, NOOP, type MinAtarAction, type MinAtarGame } from './game.js';

export type MinAtarObsType = 'channels' | 'rgb';

/** Kwargs every MinAtar env accepts. */
export interface MinAtarKwargs {
  /** Probability that the previous action is repeated instead of the chosen one (default 0.1, as MinAtar). */
  stickyActionProb?: number;
  /** Whether the game speeds up over time (default true, as MinAtar); Breakout and Freeway never ramp. */
  difficultyRamping?: boolean;
  /** All 6 MinAtar actions instead of the game's minimal set (default false, as the -v1 ids). */
  fullActionSpace?: boolean;
  /** 'channels': Box uint8 [10, 10, C] of 0/1; 'rgb': the scene rasterized, Box uint8 [height, width, 3]. */
  obsType?: MinAtarObsType;
  /** Frame size of the rgb observation and of `render()` (default 84 × 84). */
  width?: number;
  height?: number;
}

const KNOWN_KWARGS = ['stickyActionProb', 'difficultyRamping', 'fullActionSpace', 'obsType', 'width', 'height'] as const;

/**
 * A MinAtar game as a Gymnasium-style env: sticky actions, minimal or full action set, channel or
 * rgb observations. The game's state is public as `env.game` (see each game's class for its fields).
 */
// Typed over BoxArray because a Box space samples BoxArrays; observations are always Uint8Array.
export class MinAtarEnv<G extends MinAtarGame = MinAtarGame> extends BaseEnv<BoxArray, number> {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  override metadata: EnvMetadata = { renderFps: 10, renderModes: ['rgb_array'] };
  readonly obsType: MinAtarObsType;
  readonly stickyActionProb: number;
  readonly difficultyRamping: boolean;
  /** Agent action index → MinAtar full-set action. */
  readonly actionSet: readonly MinAtarAction[];
  /** The full-set action applied last frame (what a sticky action repeats). */
  lastAction: MinAtarAction = NOOP;
  private readonly channels: Uint8Array;
  private readonly channelCopies: ObservationSlab;
  private readonly sceneBuilder: CellSceneBuilder;
  private started = false;

  /** The game's rules and state; tests set up positions through its public fields. */
  readonly game: G;

  constructor(
    makeGame: (difficultyRamping: boolean) => G,
    readonly name: string,
    kwargs: Kwargs = {},
  ) {
    super();
    checkKnownKwargs(name, kwargs, KNOWN_KWARGS);
    this.stickyActionProb = probabilityKwarg(name, kwargs, 'stickyActionProb', 0.1);
    this.difficultyRamping = boolKwarg(name, kwargs, 'difficultyRamping', true);
    const game = makeGame(this.difficultyRamping);
    this.game = game;
    const full = boolKwarg(name, kwargs, 'fullActionSpace', false);
    this.obsType = choiceKwarg(name, kwargs, 'obsType', ['channels', 'rgb'] as const, 'channels');
    this.renderWidth = intKwarg(name, kwargs, 'width', 84, 1, MAX_FRAME_SIDE);
    this.renderHeight = intKwarg(name, kwargs, 'height', 84, 1, MAX_FRAME_SIDE);
    checkPalette(name, game.palette);
    this.actionSet = full ? ([0, 1, 2, 3, 4, 5] as const) : game.minimalActions;
    this.actionSpace = new Discrete(this.actionSet.length);
    const c = game.palette.kinds.length;
    this.channels = new Uint8Array(GRID * GRID * c);
    this.channelCopies = new ObservationSlab(this.channels.length);
    this.observationSpace =
      this.obsType === 'channels'
        ? new Box(0, 1, [GRID, GRID, c], 'uint8')
        : new Box(0, 255, [this.renderHeight, this.renderWidth, 3], 'uint8');
    this.sceneBuilder = new CellSceneBuilder(GRID, GRID, game.palette);
  }

  /** MinAtar's channel names, in channel order. */
  get channelNames(): readonly string[] {
    return this.game.palette.kinds;
  }

  reset(opts?: ResetOptions): ResetResult<Uint8Array> {
    this.reseed(opts);
    this.game.reset(this.rng);
    // A new episode starts from noop (MinAtar carries the last action over resets).
    this.lastAction = NOOP;
    this.started = true;
    return { observation: this.observation(), info: this.game.info() };
  }

  step(action: number): StepResult<Uint8Array> {
    if (!this.actionSpace.contains(action))
      throw new RangeError(`${this.name}: action ${describeValue(action)} is outside the action space ${String(this.actionSpace)}`);
    if (!this.started) throw new Error(`${this.name}: step() called before reset()`);
    let a = this.actionSet[action]!;
    // MinAtar's sticky actions: with probability p the previous frame's action is applied instead.
    const p = this.stickyActionProb;
    if (p > 0 && (p >= 1 || this.rng.random() < p)) a = this.lastAction;
    this.lastAction = a;
    const reward = this.game.act(a, this.rng);
    return { observation: this.observation(), reward, terminated: this.game.terminal, truncated: false, info: this.game.info() };
  }

  /**
   * The observation of the current state, in a new array the caller owns (agents keep
   * observations in replay buffers, so they must not alias an internal buffer).
   */
  observation(): Uint8Array {
    this.game.writeChannels(this.channels);
    if (this.obsType === 'channels') return this.channelCopies.copyOf(this.channels);
    const out = new Uint8Array(this.renderWidth! * this.renderHeight! * 3);
    rasterize(this.sceneBuilder.buildReused(this.channels), this.renderWidth!, this.renderHeight!, out);
    return out;
  }

  /** The board as 10 × 10 unit cells, one rect per run of a kind, labelled with MinAtar's channel names. */
  override scene(): Scene {
    this.game.writeChannels(this.channels);
    return this.sceneBuilder.build(this.channels);
  }

  /** Arrow keys move, Space fires; keys for actions outside the action set are left out. */
  keysToAction(): Record<string, number> {
    const keys: Record<string, number> = {};
    this.actionSet.forEach((full, i) => {
      keys[MINATAR_ACTION_KEYS[full]] = i;
    });
    return keys;
  }

  override toString(): string {
    return `<${this.constructor.name}${this.spec ? `<${this.spec.id}>` : ''}>`;
  }
}

