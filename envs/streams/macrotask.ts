import { Observable } from 'rxjs';

// setImmediate runs after pending I/O, so a server in the same process gets its turn; browsers
// lack it, and get setTimeout instead.
const schedule: (fn: () => void) => unknown = typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);
const cancel: (handle: unknown) => void =
  typeof clearImmediate === 'function' ? (h) => clearImmediate(h as NodeJS.Immediate) : (h) => clearTimeout(h as ReturnType<typeof setTimeout>);

/** Emits once on the next macrotask, then completes: a yield to the event loop. */
export function nextMacrotask$(): Observable<void> {
  return new Observable<void>((subscriber) => {
    const handle = schedule(() => {
      subscriber.next();
      subscriber.complete();
    });
    return () => cancel(handle);
  });
}
