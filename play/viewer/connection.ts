// The page's WebSocket to the server, as rxjs streams of decoded messages. Reconnects after a drop;
// messages it cannot read are counted and logged, never thrown.
import { BehaviorSubject, Observable, filter, map, retry, share, timer } from 'rxjs';
import { webSocket, type WebSocketSubject } from 'rxjs/webSocket';
import { decodeBinary, parseServerMessage, type BinaryMessage, type ClientMessage, type ServerMessage } from '../server/protocol.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

type Incoming = { kind: 'text'; message: ServerMessage } | { kind: 'binary'; message: BinaryMessage } | { kind: 'bad'; reason: string };

export interface Connection {
  readonly state$: BehaviorSubject<ConnectionState>;
  readonly messages$: Observable<ServerMessage>;
  readonly binary$: Observable<BinaryMessage>;
  /** Malformed messages, with why. */
  readonly bad$: Observable<string>;
  send(message: ClientMessage): void;
}

function decode(data: unknown): Incoming {
  if (typeof data === 'string') {
    const message = parseServerMessage(data);
    return message ? { kind: 'text', message } : { kind: 'bad', reason: `unreadable text message (${data.slice(0, 60)})` };
  }
  if (data instanceof ArrayBuffer) {
    const message = decodeBinary(new Uint8Array(data));
    return message ? { kind: 'binary', message } : { kind: 'bad', reason: `malformed binary message of ${data.byteLength} bytes` };
  }
  return { kind: 'bad', reason: 'message of an unknown kind' };
}

export function connect(url: string): Connection {
  const state$ = new BehaviorSubject<ConnectionState>('connecting');
  const socket: WebSocketSubject<unknown> = webSocket<unknown>({
    url,
    binaryType: 'arraybuffer',
    deserializer: (e: MessageEvent) => e.data as unknown,
    serializer: (v: unknown) => JSON.stringify(v),
    openObserver: { next: () => state$.next('open') },
    closeObserver: { next: () => state$.next('closed') },
  });
  const incoming$ = socket.pipe(
    retry({ delay: () => timer(1000) }),
    map(decode),
    share(),
  );
  return {
    state$,
    messages$: incoming$.pipe(
      filter((m): m is Extract<Incoming, { kind: 'text' }> => m.kind === 'text'),
      map((m) => m.message),
    ),
    binary$: incoming$.pipe(
      filter((m): m is Extract<Incoming, { kind: 'binary' }> => m.kind === 'binary'),
      map((m) => m.message),
    ),
    bad$: incoming$.pipe(
      filter((m): m is Extract<Incoming, { kind: 'bad' }> => m.kind === 'bad'),
      map((m) => m.reason),
    ),
    send: (message) => {
      if (state$.value === 'open') socket.next(message);
    },
  };
}
