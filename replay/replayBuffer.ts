import type { Observable, Subscription } from 'rxjs';
import { Rng, type RngState } from '../envs/rng.js';
import { ContainerReader, ReplayFileError, writeContainer, type IoSection } from './container.js';
import { fillFrom, type FillFromOptions, type StepLike } from './fillFrom.js';
import { FrameStore } from './frameStore.js';
import { FrameWriter } from './frameWriter.js';
import {
  batchObservationIsStack,
  checkAction,
  checkBatchActions,
  checkEnvIndex,
  checkLength,
  checkReward,
  observationIsStack,
  rowArray,
  rowOffset,
  type RowsOrFlat,
} from './inputs.js';
import { resolveReplayConfig, type ReplayBufferConfig, type ResolvedReplayConfig } from './replayConfig.js';
import {
  asRecord,
  numberArray,
  parseRngState,
  parseStoredConfig,
  readReplayConfig,
  REPLAY_FILE_MAGIC,
  REPLAY_FILE_VERSION,
  type RestorePlan,
} from './replayFile.js';
import { isPackedStack, StackAssembler, stackScratchBytes } from './stackAssembler.js';
import { stackKernelAvailable } from './stackKernel.js';
import {
  allocObsArray,
  shapeSize,
  type ActionInput,
  type ActionSpec,
  type ObsDtype,
  type ObservationInput,
  type ReplayBatch,
  type Transition,
  type TransitionBatch,
} from './types.js';

export type { ReplayBufferConfig, ResolvedReplayConfig } from './replayConfig.js';
export type { RestorePlan } from './replayFile.js';

const HAS_TRANSITION = 1;
const TERMINATED = 2;
const TRUNCATED = 4;
const DONE = TERMINATED | TRUNCATED;

interface GatherScratch {
  readonly indices: Int32Array;
  readonly weights: Float32Array;
  readonly returns: Float64Array;
  readonly windows: Int32Array;
  readonly flags: Uint8Array;
  /** Storage chunk whose kernel builds the row, or SCALAR_GROUP (stackAssembler.ts). */
  readonly groups: Int32Array;
  /** Drawn sample of each output row. */
  readonly order: Int32Array;
  readonly keys: Float64Array;
  /** Per sample: the k frame slots of its observation, then the k of its next observation. */
  readonly slots: Int32Array;
}

/** Row-order keys are slot · ORDER_SCALE + draw; batches are capped below ORDER_SCALE rows. */
const ORDER_SCALE = 2 ** 22;

/**
 * Circular experience replay for DQN-style agents, sized for pixels.
 *
 * Storage: every observation frame is stored once, in a slot of its env's segment (capacity /
 * numEnvs slots, circular; each env's stream stays contiguous, so a stack or an n-step window
 * is a run of consecutive slots). A transition lives in the slot of its observation; its next
 * observation is the frame in the following slot, written when the transition is added. The
 * final observation of an episode takes a slot of its own that holds no transition, and the
 * next episode starts in the slot after it. So `size` (transitions held) saturates a little
 * below `capacity`: each env's newest slot holds the observation awaiting its action.
 *
 * Stacks: with `frameStack` k, an observation is rebuilt at sample time from the k newest frames
 * up to its slot, along the last axis ([H, W, C] frames → [H, W, k·C]). Frames before the start
 * of the episode are replaced by the episode's first frame (as Gymnasium's FrameStackObservation
 * with padding_type 'reset'), so a stack never mixes two episodes. `add` accepts single frames or
 * whole stacks (it keeps the newest frame of a stack).
 *
 * Sampling never returns a transition whose stack reaches an overwritten frame, whose next frame
 * is not written, or (n-step) whose window of n steps is not complete and not cut short by the
 * end of its episode.
 *
 * Episodes: a step with terminated or truncated ends its env's episode. If an env's next
 * observation does not equal the frame stored as its current one, the previous episode was cut
 * without a done flag: its last transition is marked truncated and a new episode starts.
 */
export class ReplayBuffer<D extends ObsDtype = ObsDtype> {
  readonly config: ResolvedReplayConfig;
  readonly capacity: number;
  readonly numEnvs: number;
  /** Slots per env. */
  readonly segmentLength: number;
  readonly frameStack: number;
  readonly nStep: number;
  readonly gamma: number;
  readonly dtype: D;
  readonly action: ActionSpec;
  /** Shape of one stored frame. */
  readonly frameShape: readonly number[];
  /** Shape of a sampled observation: the frame shape with its last axis × frameStack. */
  readonly sampleShape: readonly number[];
  readonly frameSize: number;
  /** Elements of one sampled observation. */
  readonly observationSize: number;
  readonly actionDim: number;

  protected readonly frames: FrameStore<D>;
  protected readonly actionStore: Int32Array | Float32Array;
  protected readonly rewardStore: Float32Array;
  protected readonly flagStore: Uint8Array;
  protected readonly stepStore: Int32Array;
  /** Frames written per env since the start (absolute positions). */
  protected readonly heads: Float64Array;
  /** 1 when the env's episode is running (its current observation is its newest frame). */
  protected readonly open: Uint8Array;
  protected rng: Rng;
  protected transitions = 0;
  /** Set by subclasses that keep per-slot state in step with sampleability (PER). */
  protected trackValidity = false;

  private readonly channels: number;
  private readonly frameWriter: FrameWriter<D>;
  private readonly assembler: StackAssembler<D>;
  private scratch: GatherScratch | null = null;
  private readonly gammaPowers: Float64Array;
  private cachedBatch: ReplayBatch<D> | null = null;

  constructor(config: ReplayBufferConfig<D>) {
    const resolved = resolveReplayConfig(config);
    this.config = resolved;
    this.numEnvs = resolved.numEnvs;
    this.segmentLength = Math.floor(resolved.capacity / resolved.numEnvs);
    this.capacity = this.segmentLength * this.numEnvs;
    this.frameStack = resolved.frameStack;
    this.nStep = resolved.nStep;
    this.gamma = resolved.gamma;
    this.dtype = resolved.observationDtype as D;
    this.action = resolved.action;
    this.frameShape = resolved.observationShape;
    this.channels = this.frameShape.length > 0 ? this.frameShape[this.frameShape.length - 1]! : 1;
    this.sampleShape =
      this.frameStack > 1 ? [...this.frameShape.slice(0, -1), this.channels * this.frameStack] : [...this.frameShape];
    this.frameSize = shapeSize(this.frameShape);
    this.observationSize = this.frameSize * this.frameStack;
    this.actionDim = this.action.kind === 'discrete' ? 1 : this.action.dim;
    if (this.segmentLength < this.frameStack + this.nStep + 1) {
      throw new RangeError(
        `ReplayBuffer: capacity ${resolved.capacity} gives ${this.segmentLength} slots per env; need at least frameStack + nStep + 1 = ${this.frameStack + this.nStep + 1}`,
      );
    }

    const chunkBytes = config.storageChunkBytes ?? 2 ** 30;
    if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > 2 ** 32) throw new RangeError(`ReplayBuffer: storageChunkBytes must be an integer in [1, 2^32], got ${chunkBytes}`);
    // Atari's case (uint8, one channel, 4 frames) gets wasm memories with room for the SIMD kernel.
    const simd = isPackedStack(this.dtype, this.channels, this.frameStack) && config.simd !== false && stackKernelAvailable();
    this.frames = new FrameStore(this.dtype, this.frameSize, this.capacity, chunkBytes, simd ? stackScratchBytes(this.observationSize) : 0);
    this.frameWriter = new FrameWriter(this.frames, this.channels, this.frameStack);
    this.assembler = new StackAssembler(this.frames, this.channels, this.frameStack);
    this.actionStore = this.action.kind === 'discrete' ? new Int32Array(this.capacity) : new Float32Array(this.capacity * this.actionDim);
    this.rewardStore = new Float32Array(this.capacity);
    this.flagStore = new Uint8Array(this.capacity);
    this.stepStore = new Int32Array(this.capacity);
    this.heads = new Float64Array(this.numEnvs);
    this.open = new Uint8Array(this.numEnvs);
    this.rng = new Rng(config.seed ?? 0);

    this.gammaPowers = new Float64Array(this.nStep + 1);
    for (let i = 0; i <= this.nStep; i++) this.gammaPowers[i] = this.gamma ** i;
  }

  /** Transitions held (sampleable or not yet: see the class note). */
  get size(): number {
    return this.transitions;
  }

  // ---------------------------------------------------------------- adding

  /** Adds one env step of env `envIndex`. Validates first: bad input throws and changes nothing. */
  add(transition: Transition, envIndex = 0): void {
    checkEnvIndex(envIndex, this.numEnvs);
    if (transition === null || typeof transition !== 'object') throw new TypeError('ReplayBuffer.add: expected a transition object');
    const obsStacked = observationIsStack(transition.observation, this.frameSize, this.frameStack, 'observation');
    const nextStacked = observationIsStack(transition.nextObservation, this.frameSize, this.frameStack, 'nextObservation');
    checkAction(transition.action, this.action, 'action');
    checkReward(transition.reward, 'reward');
    this.write(
      envIndex,
      transition.observation,
      0,
      obsStacked,
      transition.action,
      0,
      transition.reward,
      Boolean(transition.terminated),
      Boolean(transition.truncated),
      transition.nextObservation,
      0,
      nextStacked,
    );
  }

  /** Adds one step of all `numEnvs` envs (env e into its own segment). Validates all envs first. */
  addBatch(batch: TransitionBatch): void {
    const n = this.numEnvs;
    if (batch === null || typeof batch !== 'object') throw new TypeError('ReplayBuffer.addBatch: expected a batch object');
    const obsStacked = batchObservationIsStack(batch.observations, n, this.frameSize, this.frameStack, 'observations');
    const nextStacked = batchObservationIsStack(batch.nextObservations, n, this.frameSize, this.frameStack, 'nextObservations');
    checkBatchActions(batch.actions, n, this.action, 'actions');
    checkLength(batch.rewards, n, 'rewards');
    checkLength(batch.terminated, n, 'terminated');
    checkLength(batch.truncated, n, 'truncated');
    if (batch.mask !== undefined) checkLength(batch.mask, n, 'mask');
    for (let e = 0; e < n; e++) checkReward(batch.rewards[e]!, `rewards[${e}]`);
    const obsRow = obsStacked ? this.observationSize : this.frameSize;
    const nextRow = nextStacked ? this.observationSize : this.frameSize;
    for (let e = 0; e < n; e++) {
      if (batch.mask !== undefined && !batch.mask[e]) continue;
      this.write(
        e,
        rowArray(batch.observations, e),
        rowOffset(batch.observations, e, obsRow),
        obsStacked,
        rowArray(batch.actions, e),
        rowOffset(batch.actions, e, this.actionDim),
        batch.rewards[e]!,
        Boolean(batch.terminated[e]),
        Boolean(batch.truncated[e]),
        rowArray(batch.nextObservations, e),
        rowOffset(batch.nextObservations, e, nextRow),
        nextStacked,
      );
    }
  }

  /** Subscribes this buffer to a stream of env steps; returns the Subscription. */
  fillFrom(steps$: Observable<StepLike>, opts?: FillFromOptions): Subscription {
    return fillFrom(this, steps$, opts);
  }

  /** Forgets everything (keeps the Rng state). */
  clear(): void {
    this.flagStore.fill(0);
    this.stepStore.fill(0);
    this.heads.fill(0);
    this.open.fill(0);
    this.transitions = 0;
  }

  private write(
    e: number,
    obs: ObservationInput,
    obsOffset: number,
    obsStacked: boolean,
    action: ActionInput | RowsOrFlat,
    actionOffset: number,
    reward: number,
    terminated: boolean,
    truncated: boolean,
    next: ObservationInput,
    nextOffset: number,
    nextStacked: boolean,
  ): void {
    let h = this.heads[e]!;
    if (this.open[e] === 1 && !this.frameWriter.equals(this.slotOf(e, h - 1), obs, obsOffset, obsStacked)) {
      // The stream restarted without a done flag. The cut episode's last next frame is stored,
      // so bootstrapping from it is sound: that is truncation.
      const last = h - 2;
      this.flagStore[this.slotOf(e, last)] |= TRUNCATED;
      this.open[e] = 0;
      this.refresh(e, last - this.nStep + 1, last);
    }
    if (this.open[e] === 0) {
      this.writeFrame(e, obs, obsOffset, obsStacked, 0);
      h = this.heads[e]!;
    }
    const pos = h - 1;
    const slot = this.slotOf(e, pos);
    if (this.action.kind === 'discrete') {
      this.actionStore[slot] = typeof action === 'number' ? action : (action as ArrayLike<number>)[actionOffset]!;
    } else {
      const dim = this.actionDim;
      if (typeof action === 'number') this.actionStore[slot * dim] = action;
      else for (let i = 0; i < dim; i++) this.actionStore[slot * dim + i] = (action as ArrayLike<number>)[actionOffset + i]!;
    }
    this.rewardStore[slot] = reward;
    this.flagStore[slot] = HAS_TRANSITION | (terminated ? TERMINATED : 0) | (truncated ? TRUNCATED : 0);
    this.transitions++;
    const step = this.stepStore[slot]!;
    this.writeFrame(e, next, nextOffset, nextStacked, step < 0x7fffffff ? step + 1 : step);
    this.open[e] = terminated || truncated ? 0 : 1;
    this.refresh(e, pos - this.nStep + 1, pos);
  }

  /** Writes the frame at env e's next position, overwriting its oldest slot once the segment is full. */
  private writeFrame(e: number, src: ObservationInput, offset: number, stacked: boolean, stepInEpisode: number): void {
    const pos = this.heads[e]!;
    const slot = this.slotOf(e, pos);
    const overwriting = pos >= this.segmentLength;
    if (overwriting) {
      if ((this.flagStore[slot]! & HAS_TRANSITION) !== 0) this.transitions--;
      if (this.trackValidity) this.onUnsampleable(slot);
    }
    this.flagStore[slot] = 0;
    this.stepStore[slot] = stepInEpisode;
    this.frameWriter.copyIn(slot, src, offset, stacked);
    this.heads[e] = pos + 1;
    // Stacks that reached back to the overwritten frame are now broken.
    if (overwriting) this.refresh(e, pos - this.segmentLength + 1, pos - this.segmentLength + this.frameStack - 1);
  }

  // ---------------------------------------------------------------- validity

  /** Physical slot of absolute position `pos` of env e. */
  protected slotOf(e: number, pos: number): number {
    return e * this.segmentLength + (pos % this.segmentLength);
  }

  /** Absolute position of the frame now held in slot `offset` of env e's segment. */
  protected positionOf(e: number, offset: number): number {
    const newest = this.heads[e]! - 1;
    const L = this.segmentLength;
    return newest - ((((newest - offset) % L) + L) % L);
  }

  /** Whether the transition at absolute position `pos` of env e may be sampled now. */
  protected sampleableAt(e: number, pos: number): boolean {
    const h = this.heads[e]!;
    const L = this.segmentLength;
    const oldest = h > L ? h - L : 0;
    if (pos < oldest || pos >= h) return false;
    const base = e * L;
    const slot = base + (pos % L);
    if ((this.flagStore[slot]! & HAS_TRANSITION) === 0) return false;
    // The whole stack must still be in the segment.
    const step = this.stepStore[slot]!;
    const back = step < this.frameStack - 1 ? step : this.frameStack - 1;
    if (pos - back < oldest) return false;
    // The n-step window must be complete or end its episode, with its bootstrap frame written.
    for (let i = 0; i < this.nStep; i++) {
      const p = pos + i;
      if (p >= h) return false;
      const f = this.flagStore[base + (p % L)]!;
      if ((f & HAS_TRANSITION) === 0) return false;
      if ((f & DONE) !== 0) return p + 1 < h;
    }
    return pos + this.nStep < h;
  }

  /** Re-evaluates positions [from, to] of env e for subclasses that track sampleability. */
  private refresh(e: number, from: number, to: number): void {
    if (!this.trackValidity) return;
    const h = this.heads[e]!;
    const oldest = h > this.segmentLength ? h - this.segmentLength : 0;
    const lo = from > oldest ? from : oldest;
    const hi = to < h - 1 ? to : h - 1;
    for (let pos = lo; pos <= hi; pos++) {
      const slot = this.slotOf(e, pos);
      if (this.sampleableAt(e, pos)) this.onSampleable(slot);
      else this.onUnsampleable(slot);
    }
  }

  /** Hook: `slot` holds a sampleable transition (may be called again for the same slot). */
  protected onSampleable(_slot: number): void {}

  /** Hook: `slot` holds nothing sampleable (may be called for slots that never were). */
  protected onUnsampleable(_slot: number): void {}

  /** Whether `slot` holds a transition that may be sampled now. */
  isSampleable(slot: number): boolean {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.capacity) return false;
    const e = Math.floor(slot / this.segmentLength);
    const offset = slot - e * this.segmentLength;
    if (offset >= Math.min(this.heads[e]!, this.segmentLength)) return false;
    return this.sampleableAt(e, this.positionOf(e, offset));
  }

  /** Whether `sample` can return anything. Cheap: looks back from each env's newest transition. */
  canSample(): boolean {
    if (this.transitions === 0) return false;
    for (let e = 0; e < this.numEnvs; e++) {
      const h = this.heads[e]!;
      const oldest = h > this.segmentLength ? h - this.segmentLength : 0;
      for (let pos = h - 2; pos >= oldest; pos--) if (this.sampleableAt(e, pos)) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- sampling

  /** Preallocated output arrays for `sample(batchSize, out)`. */
  createBatch(batchSize: number): ReplayBatch<D> {
    checkBatchSize(batchSize);
    return {
      batchSize,
      observations: allocObsArray(this.dtype, batchSize * this.observationSize),
      nextObservations: allocObsArray(this.dtype, batchSize * this.observationSize),
      actions: this.action.kind === 'discrete' ? new Int32Array(batchSize) : new Float32Array(batchSize * this.actionDim),
      rewards: new Float32Array(batchSize),
      terminated: new Float32Array(batchSize),
      truncated: new Float32Array(batchSize),
      discounts: new Float32Array(batchSize),
      weights: new Float32Array(batchSize),
      indices: new Int32Array(batchSize),
    };
  }

  /**
   * Samples `batchSize` transitions (with replacement) into `out`, or into a batch owned by the
   * buffer that the next call overwrites. Rows come sorted by storage slot (`indices` ascending).
   * Throws if nothing is sampleable yet (see `canSample`).
   */
  sample(batchSize: number, out?: ReplayBatch<D>): ReplayBatch<D> {
    checkBatchSize(batchSize);
    const batch = out ?? this.ownBatch(batchSize);
    if (batch.batchSize !== batchSize) throw new RangeError(`sample: out was made for batch size ${batch.batchSize}, asked for ${batchSize}`);
    if (!this.canSample()) throw new RangeError(`sample: no sampleable transition yet (size ${this.size})`);
    this.selectIndices(batchSize, batch);
    this.gather(batchSize, batch);
    return batch;
  }

  /** Picks slots into `batch.indices` and fills `batch.weights`. Uniform over sampleable slots. */
  protected selectIndices(batchSize: number, batch: ReplayBatch<D>): void {
    const L = this.segmentLength;
    let filled = 0;
    for (let e = 0; e < this.numEnvs; e++) filled += Math.min(this.heads[e]!, L);
    for (let b = 0; b < batchSize; b++) {
      // Rejection: the unsampleable slots are a few per env and episode.
      for (;;) {
        let r = this.rng.int(filled);
        let e = 0;
        for (;;) {
          const f = Math.min(this.heads[e]!, L);
          if (r < f) break;
          r -= f;
          e++;
        }
        if (this.sampleableAt(e, this.positionOf(e, r))) {
          batch.indices[b] = e * L + r;
          break;
        }
      }
    }
    batch.weights.fill(1, 0, batchSize);
  }

  /**
   * Fills observations, n-step rewards, flags and next observations for `batch.indices`, with rows
   * sorted by slot (indices and weights move with their rows): then the rows whose frames share a
   * storage chunk form runs, which that chunk's SIMD kernel stacks in its scratch area and which are
   * copied out a run at a time. The order of rows in a minibatch carries no information.
   */
  private gather(batchSize: number, batch: ReplayBatch<D>): void {
    const L = this.segmentLength;
    const k = this.frameStack;
    const sc = this.scratchFor(batchSize);
    // Pass 1: windows and stack slots per drawn sample, and its group.
    for (let b = 0; b < batchSize; b++) {
      const slot = batch.indices[b]!;
      const e = Math.floor(slot / L);
      const pos = this.positionOf(e, slot - e * L);
      let ret = 0;
      let m = 0;
      let flags = 0;
      while (m < this.nStep) {
        const s = this.slotOf(e, pos + m);
        ret += this.gammaPowers[m]! * this.rewardStore[s]!;
        flags = this.flagStore[s]!;
        m++;
        if ((flags & DONE) !== 0) break;
      }
      sc.indices[b] = slot;
      sc.weights[b] = batch.weights[b]!;
      sc.returns[b] = ret;
      sc.windows[b] = m;
      sc.flags[b] = flags;
      this.stackSlots(e, pos, sc.slots, 2 * k * b);
      this.stackSlots(e, pos + m, sc.slots, 2 * k * b + k);
      sc.groups[b] = this.assembler.groupOf(sc.slots, 2 * k * b, 2 * k);
    }
    // Pass 2: rows sorted by slot, so the batch does not depend on how storage is chunked and
    // each chunk's rows form a run. Keys are slot · 2^22 + draw, exact in float64.
    const keys = sc.keys.subarray(0, batchSize);
    for (let b = 0; b < batchSize; b++) keys[b] = sc.indices[b]! * ORDER_SCALE + b;
    keys.sort();
    for (let r = 0; r < batchSize; r++) sc.order[r] = keys[r]! % ORDER_SCALE;
    // Pass 3: scalar fields in row order.
    const dim = this.actionDim;
    for (let r = 0; r < batchSize; r++) {
      const b = sc.order[r]!;
      const slot = sc.indices[b]!;
      const flags = sc.flags[b]!;
      batch.indices[r] = slot;
      batch.weights[r] = sc.weights[b]!;
      batch.rewards[r] = sc.returns[b]!;
      batch.discounts[r] = this.gammaPowers[sc.windows[b]!]!;
      batch.terminated[r] = (flags & TERMINATED) !== 0 ? 1 : 0;
      batch.truncated[r] = (flags & TERMINATED) === 0 && (flags & TRUNCATED) !== 0 ? 1 : 0;
      if (dim === 1) batch.actions[r] = this.actionStore[slot]!;
      else for (let i = 0; i < dim; i++) batch.actions[r * dim + i] = this.actionStore[slot * dim + i]!;
    }
    // Pass 4: stacks.
    this.assembler.writeStacks(batch, batchSize, sc.order, sc.groups, sc.slots);
  }

  /** Slots of the k frames (oldest first) of the stack at absolute position `pos` of env e. */
  private stackSlots(e: number, pos: number, out: Int32Array, offset: number): void {
    const k = this.frameStack;
    const step = this.stepStore[this.slotOf(e, pos)]!;
    // Frames before the episode's first are replaced by it.
    const first = pos - (step < k - 1 ? step : k - 1);
    for (let j = 0; j < k; j++) {
      const p = pos - (k - 1 - j);
      out[offset + j] = this.slotOf(e, p < first ? first : p);
    }
  }

  /** Per-sample working arrays of `gather`, grown (never per call) to the largest batch seen. */
  private scratchFor(batchSize: number): GatherScratch {
    if (this.scratch === null || this.scratch.indices.length < batchSize) {
      this.scratch = {
        indices: new Int32Array(batchSize),
        weights: new Float32Array(batchSize),
        returns: new Float64Array(batchSize),
        windows: new Int32Array(batchSize),
        flags: new Uint8Array(batchSize),
        groups: new Int32Array(batchSize),
        order: new Int32Array(batchSize),
        keys: new Float64Array(batchSize),
        slots: new Int32Array(batchSize * 2 * this.frameStack),
      };
    }
    return this.scratch;
  }

  private ownBatch(batchSize: number): ReplayBatch<D> {
    if (this.cachedBatch === null || this.cachedBatch.batchSize !== batchSize) this.cachedBatch = this.createBatch(batchSize);
    return this.cachedBatch;
  }

  // ---------------------------------------------------------------- RNG

  getRngState(): RngState {
    return this.rng.getState();
  }

  setRngState(state: RngState): void {
    this.rng.setState(state);
  }

  // ---------------------------------------------------------------- save and load

  /** 'replay' here; subclasses that persist more say so, so files are not mixed up. */
  protected get fileKind(): string {
    return 'replay';
  }

  /**
   * Writes the buffer (config, per-env state, RNG state, contents) to `path` atomically. Only
   * the filled part of each env's segment is written.
   */
  save(path: string): void {
    writeContainer(path, REPLAY_FILE_MAGIC, REPLAY_FILE_VERSION, this.persistMeta(), this.persistSections(this.heads));
  }

  /**
   * Replaces this buffer's contents with the file's. The file must come from a buffer of the same
   * configuration. Magic, version, sizes and checksum are all checked before anything is
   * touched: a truncated or corrupt file throws a ReplayFileError and leaves this buffer as it was.
   */
  loadFrom(path: string): void {
    const reader = ContainerReader.open(path, REPLAY_FILE_MAGIC, [REPLAY_FILE_VERSION]);
    try {
      reader.verifyChecksum();
      const plan = this.planRestore(asRecord(reader.meta, path), path);
      reader.checkSections(plan.sections);
      reader.readSections(plan.sections);
      plan.commit();
    } finally {
      reader.close();
    }
  }

  /** A new buffer with the configuration and contents saved in `path`. */
  static load(path: string, opts: { storageChunkBytes?: number } = {}): ReplayBuffer {
    const buffer = new ReplayBuffer({ ...readReplayConfig(path), ...opts });
    buffer.loadFrom(path);
    return buffer;
  }

  protected persistMeta(): Record<string, unknown> {
    return {
      kind: this.fileKind,
      config: this.config,
      state: { heads: Array.from(this.heads), open: Array.from(this.open), size: this.transitions },
      rng: this.rng.getState(),
    };
  }

  /** The payload for given per-env heads (so a load can lay it out before committing them). */
  protected persistSections(heads: ArrayLike<number>): IoSection[] {
    const L = this.segmentLength;
    let frameBytes = 0;
    for (let e = 0; e < this.numEnvs; e++) frameBytes += this.frames.bytesFor(Math.min(heads[e]!, L));
    const frames = this.frames;
    const bytes = (a: Int32Array | Float32Array | Uint8Array | Float64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const whole = (name: string, a: Int32Array | Float32Array | Uint8Array | Float64Array): IoSection => ({
      name,
      byteLength: a.byteLength,
      views: () => [bytes(a)],
    });
    const numEnvs = this.numEnvs;
    const filled = Array.from({ length: numEnvs }, (_, e) => Math.min(heads[e]!, L));
    return [
      whole('actions', this.actionStore),
      whole('rewards', this.rewardStore),
      whole('flags', this.flagStore),
      whole('stepInEpisode', this.stepStore),
      {
        name: 'frames',
        byteLength: frameBytes,
        *views() {
          for (let e = 0; e < numEnvs; e++) yield* frames.byteViews(e * L, filled[e]!);
        },
      },
    ];
  }

  /** Validates a file's meta against this buffer; returns what to read and how to commit it. */
  protected planRestore(meta: Record<string, unknown>, path: string): RestorePlan {
    if (meta['kind'] !== this.fileKind) throw new ReplayFileError(path, `holds a '${String(meta['kind'])}' buffer, this is a '${this.fileKind}' buffer`);
    const config = parseStoredConfig(meta['config'], path);
    const mine = JSON.stringify(this.config);
    if (JSON.stringify(config) !== mine) throw new ReplayFileError(path, `buffer configuration differs: file ${JSON.stringify(config)}, buffer ${mine}`);
    const state = meta['state'] as Record<string, unknown> | undefined;
    const heads = numberArray(state?.['heads'], this.numEnvs, path, 'state.heads');
    const open = numberArray(state?.['open'], this.numEnvs, path, 'state.open');
    const size = state?.['size'];
    for (const h of heads) if (!Number.isSafeInteger(h) || h < 0) throw new ReplayFileError(path, `corrupt: bad head ${h}`);
    for (const o of open) if (o !== 0 && o !== 1) throw new ReplayFileError(path, `corrupt: bad open flag ${o}`);
    if (!Number.isSafeInteger(size) || (size as number) < 0 || (size as number) > this.capacity) throw new ReplayFileError(path, `corrupt: bad size ${String(size)}`);
    const rngState = parseRngState(meta['rng'], path);
    return {
      sections: this.persistSections(heads),
      commit: () => {
        this.heads.set(heads);
        this.open.set(open);
        this.transitions = size as number;
        this.rng.setState(rngState);
      },
    };
  }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize >= ORDER_SCALE) throw new RangeError(`batch size must be an integer in [1, ${ORDER_SCALE}), got ${batchSize}`);
}
