/**
 * Benchmark harness: warm up, repeat, report the median; records `{name, value, unit, reference,
 * ratio}` where `reference` is what the same run measured for the comparison named in `against`.
 */
export interface BenchRecord {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** the comparison's value measured in the same run (same unit), or null */
  readonly reference: number | null;
  /** value / reference for rates (higher is better), reference / value for times; null without reference */
  readonly ratio: number | null;
  /** what `reference` is */
  readonly against?: string;
  readonly note?: string;
  /** set when the benchmark could not run: the error it raised (value is then NaN, null in JSON) */
  readonly error?: string;
}

/**
 * The measuring schedule both timers share, as a generator: it yields how many calls to time
 * next and receives their seconds. First it grows the inner loop count until one sample takes
 * ≥ minSeconds, then takes `repeats` samples; it returns the median seconds per call.
 */
function* schedule(repeats: number, minSeconds: number): Generator<number, number, number> {
  let inner = 1;
  for (;;) {
    const s = yield inner;
    if (s >= minSeconds || inner >= 1 << 20) break;
    inner *= Math.max(2, Math.ceil(minSeconds / Math.max(s, 1e-6)));
  }
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) samples.push((yield inner) / inner);
  return median(samples);
}

/** Median seconds of `fn` over `repeats` runs after `warmup` runs (each run may loop `inner` times). */
export function timeMedian(fn: () => void, { warmup = 2, repeats = 7, minSeconds = 0.05 } = {}): number {
  for (let i = 0; i < warmup; i++) fn();
  const plan = schedule(repeats, minSeconds);
  let step = plan.next();
  while (!step.done) {
    const t0 = performance.now();
    for (let i = 0; i < step.value; i++) fn();
    step = plan.next((performance.now() - t0) / 1000);
  }
  return step.value;
}

/** {@link timeMedian} for a function that may return a promise (awaited inside the timed region). */
export async function timeMedianAsync(fn: () => unknown, { warmup = 1, repeats = 5, minSeconds = 0.05 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const plan = schedule(repeats, minSeconds);
  let step = plan.next();
  while (!step.done) {
    const t0 = performance.now();
    for (let i = 0; i < step.value; i++) await fn();
    step = plan.next((performance.now() - t0) / 1000);
  }
  return step.value;
}

/** Median of a list (middle element; upper middle for even lengths). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Repeat counts for a benchmark whose single run takes about `seconds`: fewer repeats for long ones. */
export function repeatsFor(seconds: number): { warmup: number; repeats: number; minSeconds: number } {
  if (seconds > 2) return { warmup: 0, repeats: 1, minSeconds: 0 };
  if (seconds > 0.4) return { warmup: 1, repeats: 3, minSeconds: 0 };
  return { warmup: 2, repeats: 5, minSeconds: 0.05 };
}

/**
 * A record for a size in bytes (lower is better), reported in MB: ratio = value / reference, so a
 * ratio ≤ 1.25 meets "peak ≤ 1.25 × the formula".
 */
export function bytesRecord(name: string, bytes: number, reference?: { bytes: number; against: string }, note?: string): BenchRecord {
  return {
    name,
    value: bytes / 1e6,
    unit: 'MB',
    reference: reference ? reference.bytes / 1e6 : null,
    ratio: reference ? bytes / reference.bytes : null,
    ...(reference ? { against: reference.against } : {}),
    ...(note ? { note } : {}),
  };
}

/** A plain value with no comparison (counts, shares, ratios of two measured times). */
export function valueRecord(name: string, value: number, unit: string, note?: string): BenchRecord {
  return { name, value, unit, reference: null, ratio: null, ...(note ? { note } : {}) };
}

/** A benchmark that could not run: the error is recorded, not skipped. */
export function errorRecord(name: string, error: unknown, note?: string): BenchRecord {
  const message = error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error);
  return { name, value: NaN, unit: 'error', reference: null, ratio: null, error: message, ...(note ? { note } : {}) };
}

/** A record for a time (lower is better): ratio = reference / value (speed-up over the reference). */
export function timeRecord(name: string, seconds: number, reference?: { seconds: number; against: string }, note?: string): BenchRecord {
  return {
    name,
    value: seconds * 1000,
    unit: 'ms',
    reference: reference ? reference.seconds * 1000 : null,
    ratio: reference ? reference.seconds / seconds : null,
    ...(reference ? { against: reference.against } : {}),
    ...(note ? { note } : {}),
  };
}

/** A record for a rate (higher is better): ratio = value / reference. */
export function rateRecord(name: string, value: number, unit: string, reference?: { value: number; against: string }, note?: string): BenchRecord {
  return {
    name,
    value,
    unit,
    reference: reference ? reference.value : null,
    ratio: reference ? value / reference.value : null,
    ...(reference ? { against: reference.against } : {}),
    ...(note ? { note } : {}),
  };
}

function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return String(x);
  return x.toPrecision(4);
}

/** Prints records as an aligned table. */
export function printTable(records: readonly BenchRecord[]): void {
  const rows = records.map((r) => [
    r.name,
    `${formatValue(r.value)} ${r.unit}`,
    r.reference === null ? '' : `${formatValue(r.reference)} ${r.unit}`,
    r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
    [r.against, r.note, r.error ? `ERROR ${r.error.replace(/\s+/g, ' ').slice(0, 160)}` : ''].filter(Boolean).join('; '),
  ]);
  const head = ['benchmark', 'value', 'reference', 'ratio', 'reference is; note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
