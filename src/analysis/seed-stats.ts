/**
 * Seed statistics: one quantity measured over S runs that differ only in their seeds (model
 * initialisation and shuffles; optionally the data draw) is reported as its median and range
 * (min, max), so a reader sees which numbers are stable across seeds and which are not. The
 * median of an even count is the mean of the two middle values. Missing values (null, NaN: a
 * margin that was not computed, a test split that does not exist) are left out and `n` says how
 * many values were summarised; with none, every field is null.
 */

/** Median and range of one quantity over runs. */
export interface SeedStat {
  /** the median of the values present (null when none) */
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** how many runs had a value */
  readonly n: number;
}

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median, min and max of the finite values in `values` (null and NaN left out; ±∞ kept). */
export function seedStat(values: readonly (number | null | undefined)[]): SeedStat {
  const present = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  if (present.length === 0) return Object.freeze({ median: null, min: null, max: null, n: 0 });
  return Object.freeze({ median: median(present), min: Math.min(...present), max: Math.max(...present), n: present.length });
}

/**
 * Index-wise statistics of lists of unequal length (e.g. each run's top-k eigenvalues): entry i
 * summarises the i-th value of every list that has one.
 */
export function seedStats(lists: readonly (readonly number[])[]): SeedStat[] {
  const longest = lists.reduce((m, l) => Math.max(m, l.length), 0);
  return Array.from({ length: longest }, (_, i) => seedStat(lists.map((l) => l[i])));
}
