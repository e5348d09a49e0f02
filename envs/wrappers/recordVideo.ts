import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Env, ResetOptions, ResetResult, StepResult } from '../core.js';
import type { Frame } from '../render/scene.js';
import { writeFileAtomic } from '../atomicWrite.js';
import { encodeGif, upscaleFrame } from './gif.js';
import { Wrapper } from './wrapper.js';

/** Gymnasium's default trigger: episodes 0, 1, 8, 27, …, 729, then every 1000th. */
export function cappedCubicVideoSchedule(episodeId: number): boolean {
  if (episodeId < 1000) return Math.round(Math.cbrt(episodeId)) ** 3 === episodeId;
  return episodeId % 1000 === 0;
}

export interface RecordVideoOptions {
  /** Folder for the GIFs (created if missing). */
  folder: string;
  /** Which episodes (0-based, counted by resets) to record; default `cappedCubicVideoSchedule`. */
  episodeTrigger?: (episodeId: number) => boolean;
  /** File names are `<namePrefix>-episode-<id>.gif` (default 'rl-video'). */
  namePrefix?: string;
  /** Playback speed; default the env's `metadata.renderFps`. */
  fps?: number;
  /** Integer upscale of every frame (default 1). */
  scale?: number;
  /** Stop adding frames to a video after this many (default 10 000), to bound memory. */
  maxFrames?: number;
}

/**
 * Records chosen episodes to animated GIFs (Gymnasium's RecordVideo, with gifenc instead of
 * video files): frames are rendered after reset and after every step of a triggered episode,
 * and the GIF is written atomically when the episode ends, when the next reset cuts it short, or
 * on close.
 */
export class RecordVideo<O, A> extends Wrapper<O, A> {
  readonly folder: string;
  readonly namePrefix: string;
  readonly fps: number;
  /** Paths of the GIFs written so far. */
  readonly written: string[] = [];
  /** The current episode's id: −1 before the first reset. */
  episodeId = -1;
  private readonly trigger: (episodeId: number) => boolean;
  private readonly scale: number;
  private readonly maxFrames: number;
  private frames: Frame[] = [];
  private recording = false;
  private closed = false;

  constructor(env: Env<O, A>, options: RecordVideoOptions) {
    super(env);
    if (!options || typeof options.folder !== 'string' || options.folder.length === 0)
      throw new TypeError('RecordVideo: options.folder must name a folder');
    const trigger = options.episodeTrigger ?? cappedCubicVideoSchedule;
    if (typeof trigger !== 'function') throw new TypeError('RecordVideo: episodeTrigger must be a function');
    const fps = options.fps ?? env.metadata?.renderFps ?? 30;
    if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`RecordVideo: fps must be a positive number, got ${fps}`);
    const scale = options.scale ?? 1;
    if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`RecordVideo: scale must be a positive integer, got ${scale}`);
    const maxFrames = options.maxFrames ?? 10_000;
    if (!Number.isInteger(maxFrames) || maxFrames < 1) throw new RangeError(`RecordVideo: maxFrames must be a positive integer, got ${maxFrames}`);
    this.folder = resolve(options.folder);
    this.namePrefix = options.namePrefix ?? 'rl-video';
    this.trigger = trigger;
    this.fps = fps;
    this.scale = scale;
    this.maxFrames = maxFrames;
    mkdirSync(this.folder, { recursive: true });
  }

  /** Whether the current episode is being recorded. */
  get isRecording(): boolean {
    return this.recording;
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    this.assertOpen();
    const r = this.env.reset(opts);
    if (this.recording) this.save();
    this.episodeId++;
    this.recording = this.trigger(this.episodeId);
    if (this.recording) this.capture();
    return r;
  }

  override step(action: A): StepResult<O> {
    this.assertOpen();
    const r = this.env.step(action);
    if (this.recording) {
      this.capture();
      if (r.terminated || r.truncated) this.save();
    }
    return r;
  }

  /** Writes any unfinished recording, then closes the inner env. Closing twice does nothing. */
  override close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.recording) this.save();
    } finally {
      this.env.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('RecordVideo: the env is closed');
  }

  private capture(): void {
    if (this.frames.length >= this.maxFrames) return;
    const frame = this.env.render();
    if (!frame) {
      this.recording = false;
      this.frames = [];
      throw new Error('RecordVideo: render() returned null; this env cannot be recorded');
    }
    // Always a new buffer (upscaled or copied): an env may render into one reused buffer.
    this.frames.push(this.scale > 1 ? upscaleFrame(frame, this.scale) : { width: frame.width, height: frame.height, data: frame.data.slice() });
  }

  private save(): void {
    const frames = this.frames;
    this.frames = [];
    this.recording = false;
    if (frames.length === 0) return;
    const path = join(this.folder, `${this.namePrefix}-episode-${this.episodeId}.gif`);
    writeFileAtomic(path, encodeGif(frames, { fps: this.fps }));
    this.written.push(path);
  }
}
