import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../../core.js';
import { describeValue } from '../../spaces/space.js';
import { Wrapper } from '../wrapper.js';

export interface EpisodicLifeOptions<A> {
  /** Action stepped to continue the game after a lost life; default 0. */
  noopAction?: A;
}

function livesOf(info: Info): number {
  const lives = info['lives'];
  if (typeof lives !== 'number' || !Number.isFinite(lives))
    throw new TypeError(`EpisodicLife: the env must report its remaining lives as a number in info.lives, got ${describeValue(lives)}`);
  return lives;
}

/**
 * Ends the agent's episode when a life is lost (info.lives drops but stays above 0), while the
 * game itself goes on: the next reset only steps a no-op, and the real reset happens once the
 * game is over (Mnih et al., 2015). A reset with a seed always resets the game.
 */
export class EpisodicLife<O = unknown, A = unknown> extends Wrapper<O, A, O, A> {
  readonly noopAction: A;
  private lives = 0;
  private gameOver = true;

  constructor(env: Env<O, A>, opts: EpisodicLifeOptions<A> = {}) {
    super(env);
    const noop = opts.noopAction ?? (0 as A);
    if (!env.actionSpace.contains(noop))
      throw new RangeError(`EpisodicLife: noopAction ${describeValue(noop)} is outside the action space ${String(env.actionSpace)}`);
    this.noopAction = noop;
  }

  /** True when the underlying game ended (not just a life), so the next reset is a real one. */
  get isGameOver(): boolean {
    return this.gameOver;
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    let r: ResetResult<O>;
    if (this.gameOver || (opts?.seed !== undefined && opts.seed !== null)) {
      r = this.env.reset(opts);
    } else {
      const s = this.env.step(this.noopAction);
      r = s.terminated || s.truncated ? this.env.reset(opts?.options ? { options: opts.options } : undefined) : { observation: s.observation, info: s.info };
    }
    this.lives = livesOf(r.info);
    this.gameOver = false;
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.gameOver = r.terminated || r.truncated;
    const lives = livesOf(r.info);
    if (lives > 0 && lives < this.lives) r.terminated = true;
    this.lives = lives;
    return r;
  }
}
