import { Rng, seededRng } from './rng.js';
import type { Space } from './spaces/space.js';
import type { Frame, Scene } from './render/scene.js';
import { rasterize } from './render/rasterize.js';

export type Info = Record<string, unknown>;

export interface ResetOptions {
  seed?: number;
  options?: Record<string, unknown>;
}

export interface ResetResult<O> {
  observation: O;
  info: Info;
}

export interface StepResult<O> {
  observation: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface EnvMetadata {
  /** Frames per second a viewer should play at. */
  renderFps: number;
  renderModes?: string[];
  [key: string]: unknown;
}

export interface EnvSpec {
  id: string;
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  nondeterministic?: boolean;
  kwargs?: Record<string, unknown>;
  /** A module path string ('./my-env.js:MyEnv') when the env came from one; lets workers rebuild it. */
  entryPoint?: string;
}

/**
 * The environment interface, with Gymnasium's semantics. Any object with these members is an
 * env (duck typing): extending `BaseEnv` is optional.
 */
export interface Env<O = unknown, A = unknown> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  readonly metadata: EnvMetadata;
  spec?: EnvSpec | null;
  reset(opts?: ResetOptions): ResetResult<O>;
  step(action: A): StepResult<O>;
  /** An RGB frame of the current state, or null if the env does not render. */
  render(): Frame | null;
  close(): void;
  /** The innermost env beneath all wrappers. */
  readonly unwrapped: Env;
  /** The vector scene of the current state, when the env can describe itself. */
  scene?(): Scene;
  /**
   * Keyboard bindings for human play. Keys are KeyboardEvent.code values; a chord is its codes
   * sorted and joined by '+'. The empty string maps to the action taken when no key is held.
   */
  keysToAction?(): Record<string, A>;
}

export type AnyEnv = Env<unknown, unknown>;

/**
 * Optional base class: holds the seeded RNG (`this.rng`, reseeded by `reset({ seed })` as
 * Gymnasium's `np_random`), renders `scene()` with the software rasterizer, and is its own
 * `unwrapped`.
 */
export abstract class BaseEnv<O, A> implements Env<O, A> {
  abstract readonly observationSpace: Space<O>;
  abstract readonly actionSpace: Space<A>;
  metadata: EnvMetadata = { renderFps: 30, renderModes: ['rgb_array'] };
  spec: EnvSpec | null = null;
  /** Output size of `render()`; defaults to the scene's own size. */
  renderWidth: number | null = null;
  renderHeight: number | null = null;
  protected rng: Rng = seededRng().rng;
  private renderBuffer: Uint8Array | null = null;

  abstract reset(opts?: ResetOptions): ResetResult<O>;

  /** Call first in `reset`: reseeds `this.rng` when a seed is given, as Gymnasium's `super().reset(seed=seed)`. */
  protected reseed(opts: ResetOptions | undefined): void {
    if (opts?.seed !== undefined && opts.seed !== null) this.rng = seededRng(opts.seed).rng;
  }

  abstract step(action: A): StepResult<O>;

  scene?(): Scene;

  render(): Frame | null {
    if (!this.scene) return null;
    const scene = this.scene();
    const w = this.renderWidth ?? scene.width;
    const h = this.renderHeight ?? scene.height;
    // A fresh frame each call (callers keep frames, e.g. GIF recorders); the buffer is reused only
    // through `renderInto`.
    return rasterize(scene, w, h);
  }

  /** Renders into a caller-owned buffer of width × height × 3 bytes; no allocation. */
  renderInto(out: Uint8Array, width?: number, height?: number): Frame | null {
    if (!this.scene) return null;
    const scene = this.scene();
    return rasterize(scene, width ?? this.renderWidth ?? scene.width, height ?? this.renderHeight ?? scene.height, out);
  }

  /** A reusable render target, for envs whose observation is their own frame. */
  protected frameBuffer(width: number, height: number): Uint8Array {
    const n = width * height * 3;
    if (!this.renderBuffer || this.renderBuffer.length !== n) this.renderBuffer = new Uint8Array(n);
    return this.renderBuffer;
  }

  close(): void {}

  get unwrapped(): Env {
    return this as unknown as Env;
  }

  /** The RNG state, for checkpoints. */
  getRngState() {
    return this.rng.getState();
  }

  setRngState(state: ReturnType<Rng['getState']>): void {
    this.rng.setState(state);
  }
}
