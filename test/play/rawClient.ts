// A plain WebSocket client of the viewer server (what a page does, minus the drawing), for tests.
import { WebSocket } from 'ws';
import { decodeBinary, type BinaryMessage, type ClientMessage, type ServerMessage, type StepMessage } from '../../play/server/protocol.js';

export class RawClient {
  readonly texts: ServerMessage[] = [];
  readonly binaries: BinaryMessage[] = [];
  closed = false;
  closeCode = 0;

  private constructor(
    readonly socket: WebSocket,
    /** Acknowledge every step as a page does after drawing it. */
    private readonly ack: boolean,
  ) {
    socket.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) {
        const m = decodeBinary(new Uint8Array(buf));
        if (m) this.binaries.push(m);
        return;
      }
      const m = JSON.parse(buf.toString('utf8')) as ServerMessage;
      this.texts.push(m);
      if (this.ack && m.type === 'step') this.send({ type: 'ack', seq: m.seq });
    });
    socket.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
    });
    socket.on('error', () => {});
  }

  static open(url: string, opts: { ack?: boolean; origin?: string } = {}): Promise<RawClient> {
    const wsUrl = url.replace(/^http/, 'ws') + 'ws';
    const socket = new WebSocket(wsUrl, opts.origin ? { origin: opts.origin } : {});
    const client = new RawClient(socket, opts.ack ?? true);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(m: ClientMessage | string): void {
    this.socket.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  steps(): StepMessage[] {
    return this.texts.filter((m): m is StepMessage => m.type === 'step');
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.texts.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  async waitFor(pred: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
