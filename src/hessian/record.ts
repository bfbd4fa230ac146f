/**
 * Helpers that turn working arrays into the frozen, JSON-serialisable result records every
 * public Hessian function returns (plain `number[]`, never typed arrays).
 */

/** A copy of `a` as a plain array. */
function plainArray(a: ArrayLike<number>): number[] {
  // Preallocated (a double row, see doubleRow) and indexed, not Array.from (docs/engine.md, performance notes)
  const n = a.length;
  const out = doubleRow(n);
  for (let i = 0; i < n; i++) out[i] = a[i]!;
  return out;
}

/** A copy of `a` as a frozen plain array. */
export function frozenArray(a: ArrayLike<number>): readonly number[] {
  return Object.freeze(plainArray(a));
}

/**
 * A frozen array of rows that are plain arrays, typed `readonly` but not frozen: V8 keeps an
 * ordinary number array as unboxed doubles (8 bytes a value), while freezing one boxes every
 * value (about 24 bytes) — ten eigenvectors at p = 118k would take 28 MB instead of 9.5 MB.
 */
export function frozenRows(rows: readonly ArrayLike<number>[]): readonly (readonly number[])[] {
  return Object.freeze(rows.map(plainArray));
}

/** A plain array of n zeros held as unboxed doubles, for results built in place (no typed copy). */
export function doubleRow(n: number): number[] {
  if (n === 0) return [];
  // A one-double literal grown to n: V8 allocates its double store once. (new Array(n) starts as
  // tagged slots, and the first double written copies them into a second store: 2× the memory
  // until the next GC.)
  const row = [0.5];
  row.length = n;
  row.fill(0);
  return row;
}

/**
 * Flips the sign of `v` in place so that its largest-|component| entry (the first one on ties)
 * is positive: the library's convention that makes eigenvectors comparable between runs.
 */
export function fixSign(v: { length: number; [i: number]: number }): void {
  let best = 0;
  let bestAbs = -1;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (a > bestAbs) {
      bestAbs = a;
      best = i;
    }
  }
  if (v.length > 0 && v[best]! < 0) {
    for (let i = 0; i < v.length; i++) v[i] = -v[i]!;
  }
}

/** Throttles a progress callback to about `calls` invocations over `total` steps (always the last). */
export function progressStride(total: number, calls = 100): number {
  return Math.max(1, Math.floor(total / calls));
}
