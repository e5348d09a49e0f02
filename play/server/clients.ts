// The connected pages and their flow control. Sends never wait for a page: a frame goes only to
// pages that have acknowledged all but a few earlier frames and whose socket buffer is small;
// the others miss it. A slow or hidden tab therefore costs the sender nothing but a skipped send.
import { WebSocket } from 'ws';

export interface FlowLimits {
  /** Frames sent but not yet acknowledged, per page, before further frames are dropped for it. */
  maxInFlight: number;
  /** Bytes queued on a page's socket above which frames are dropped for it. */
  maxBufferedBytes: number;
  /** After this long without an acknowledgement, a page's in-flight count is forgiven (clients that never ack). */
  ackTimeoutMs: number;
}

export const DEFAULT_FLOW_LIMITS: FlowLimits = { maxInFlight: 2, maxBufferedBytes: 1 << 20, ackTimeoutMs: 1000 };

export class ViewerClient {
  inFlight = 0;
  framesSent = 0;
  framesDropped = 0;
  /** Malformed or unusable messages from this page. */
  ignored = 0;
  /**
   * Stream mode pauses per page (the trainer is never paused): a paused page gets only the
   * frames it asked for with single steps.
   */
  paused = false;
  singleSteps = 0;
  private lastFrameAt = 0;

  constructor(
    readonly socket: WebSocket,
    readonly id: number,
  ) {}

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Whether a frame may go to this page now. */
  ready(now: number, limits: FlowLimits): boolean {
    if (!this.open || this.socket.bufferedAmount > limits.maxBufferedBytes) return false;
    if (this.paused && this.singleSteps <= 0) return false;
    if (this.inFlight >= limits.maxInFlight && now - this.lastFrameAt > limits.ackTimeoutMs) this.inFlight = 0;
    return this.inFlight < limits.maxInFlight;
  }

  sendFrame(text: string, binary: Uint8Array | null, now: number): void {
    this.socket.send(text);
    if (binary) this.socket.send(binary, { binary: true });
    this.inFlight++;
    this.framesSent++;
    if (this.paused && this.singleSteps > 0) this.singleSteps--;
    this.lastFrameAt = now;
  }

  acknowledge(): void {
    if (this.inFlight > 0) this.inFlight--;
  }
}

/** All connected pages, bounded in number. */
export class ClientSet {
  private readonly clients = new Map<WebSocket, ViewerClient>();
  private nextId = 1;
  /** Frames a page missed because it was not ready, over all pages. */
  framesDropped = 0;
  framesSent = 0;

  constructor(
    readonly limits: FlowLimits,
    readonly maxClients: number,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  get full(): boolean {
    return this.clients.size >= this.maxClients;
  }

  add(socket: WebSocket): ViewerClient {
    const c = new ViewerClient(socket, this.nextId++);
    this.clients.set(socket, c);
    return c;
  }

  remove(socket: WebSocket): void {
    this.clients.delete(socket);
  }

  /** Whether any page would take a frame now (so the caller can skip building one). */
  anyReady(now: number): boolean {
    for (const c of this.clients.values()) if (c.ready(now, this.limits)) return true;
    return false;
  }

  /** Counts a step that no page was ready for. */
  dropForAll(): void {
    for (const c of this.clients.values()) c.framesDropped++;
    this.framesDropped += this.clients.size;
  }

  /** Sends a step (its JSON and its binary frame, if any) to every ready page; the rest miss it. Returns the pages sent to. */
  broadcastFrame(text: string, binary: Uint8Array | null, now: number): ViewerClient[] {
    const sent: ViewerClient[] = [];
    for (const c of this.clients.values()) {
      if (c.ready(now, this.limits)) {
        c.sendFrame(text, binary, now);
        this.framesSent++;
        sent.push(c);
      } else {
        c.framesDropped++;
        this.framesDropped++;
      }
    }
    return sent;
  }

  /** Sends a small message to every open page whose buffer is not backed up. */
  broadcastText(text: string): void {
    for (const c of this.clients.values()) this.sendText(c, text);
  }

  sendText(c: ViewerClient, text: string): void {
    if (c.open && c.socket.bufferedAmount <= this.limits.maxBufferedBytes * 4) c.socket.send(text);
  }

  /** Sends a binary message (an overlay) to every open page whose buffer is not backed up. */
  broadcastBinary(binary: Uint8Array): void {
    for (const c of this.clients.values()) if (c.open && c.socket.bufferedAmount <= this.limits.maxBufferedBytes) c.socket.send(binary, { binary: true });
  }

  /** Sends a binary message (an overlay) to these pages, unless their buffer is backed up. */
  sendBinary(to: Iterable<ViewerClient>, binary: Uint8Array): number {
    let n = 0;
    for (const c of to)
      if (c.open && c.socket.bufferedAmount <= this.limits.maxBufferedBytes) {
        c.socket.send(binary, { binary: true });
        n++;
      }
    return n;
  }

  values(): IterableIterator<ViewerClient> {
    return this.clients.values();
  }

  closeAll(): void {
    for (const c of this.clients.values()) c.socket.terminate();
    this.clients.clear();
  }
}
