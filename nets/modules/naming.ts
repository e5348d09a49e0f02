// Unique layer names. tfjs names layers from a per-process counter, so a model loaded from disk can
// hold names that a fresh layer in this process would also get; two equal names in one model break
// saving (duplicate weight names). Our builders name layers `<base>_<n>` from this counter, and
// loadModel calls `reserveLayerNames` so new layers never reuse a loaded name.

let next = 1;

/** A layer name `<base>_<n>` not yet handed out in this process (nor seen in a loaded model). */
export function uniqueLayerName(base: string): string {
  return `${base}_${next++}`;
}

/** Moves the counter past every `<anything>_<n>` suffix in `names`. */
export function reserveLayerNames(names: Iterable<string>): void {
  for (const name of names) {
    const m = /_(\d+)$/.exec(name);
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }
}
