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
}

/** Median seconds of `fn` over `repeats` runs after `warmup` runs (each run may loop `inner` times). */
export function timeMedian(fn: () => void, { warmup = 2, repeats = 7, minSeconds = 0.05 } = {}): number {
  for (let i = 0; i < warmup; i++) fn();
  // choose an inner loop count so one sample takes ≥ minSeconds
  let inner = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    const s = (performance.now() - t0) / 1000;
    if (s >= minSeconds || inner >= 1 << 20) break;
    inner *= Math.max(2, Math.ceil(minSeconds / Math.max(s, 1e-6)));
  }
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - t0) / 1000 / inner);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
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

/** Prints records as an aligned table. */
export function printTable(records: readonly BenchRecord[]): void {
  const rows = records.map((r) => [
    r.name,
    `${r.value.toPrecision(4)} ${r.unit}`,
    r.reference === null ? '' : `${r.reference.toPrecision(4)} ${r.unit}`,
    r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
    r.against ?? r.note ?? '',
  ]);
  const head = ['benchmark', 'value', 'reference', 'ratio', 'reference is'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
