/**
 * Memory estimates made before any work, and the refusal when they do not fit: the peak bytes a
 * Krylov method, `hessianSpectrum` or `analyze` will hold (θ, data, activation cache, the Krylov
 * basis at its iteration cap, dense matrices), part by part, checked against wasm32's 4 GiB for
 * what lives in one wasm instance and against a memory budget for the whole.
 *
 * Budget: the `memoryBudget` option in bytes; by default {@link MEMORY_SHARE} of the memory the
 * platform reports (`totalMemory()` of the `#platform` adapter: Node's `os.totalmem()`, or the
 * container's limit when smaller; a browser's `navigator.deviceMemory`), or
 * {@link UNKNOWN_MEMORY_BUDGET} when it reports none (browsers other than Chromium's).
 * An estimate counts what the call itself allocates at its largest moment; the operator's own
 * memory (a session's θ and cache) is the caller's, except in `analyze`, which makes them.
 * A Krylov basis in JavaScript memory grows by half again at a time up to its cap, so its peak
 * is the cap plus the rows it grew from (both arrays are alive during the copy); a basis resident
 * in wasm is reserved at the cap at once. How close the estimate is to a measured peak RSS:
 * `npm run bench -- soak` (bench/soak.ts) reports both.
 */
import { totalMemory } from '#platform';
import { formatBytes, WASM_MEMORY_LIMIT } from '../engine/arena.js';
import { InputError, ResourceError } from '../errors.js';

/** Share of the platform's memory the default budget allows. */
export const MEMORY_SHARE = 0.5;

/** The default budget when the platform reports no memory size: 2 GiB, what a phone-class device can be expected to give a tab. */
export const UNKNOWN_MEMORY_BUDGET = 2 * 2 ** 30;

/** One part of an estimate. */
export interface MemoryPart {
  /** what the bytes hold, for the message */
  readonly what: string;
  readonly bytes: number;
  /** the wasm instance the part lives in (parts of one instance together must fit 4 GiB); absent: JavaScript memory */
  readonly instance?: string;
}

/** A peak-memory estimate: its total and the parts it is made of. */
export interface MemoryEstimate {
  /** bytes at the peak: the sum of the parts */
  readonly bytes: number;
  readonly parts: readonly MemoryPart[];
}

/** A budget and where it came from, for messages. */
export interface MemoryBudget {
  readonly bytes: number;
  /** e.g. `memoryBudget option`, `half of the 23.54 GiB this machine reports` */
  readonly source: string;
}

/** The default budget: {@link MEMORY_SHARE} of the platform's reported memory, else {@link UNKNOWN_MEMORY_BUDGET}. */
export function defaultMemoryBudget(): MemoryBudget {
  const total = totalMemory();
  if (total === undefined || !(total > 0)) {
    return { bytes: UNKNOWN_MEMORY_BUDGET, source: 'the default for a platform that reports no memory size; option memoryBudget' };
  }
  return { bytes: Math.floor(MEMORY_SHARE * total), source: `half of the ${formatBytes(total)} this machine reports; option memoryBudget` };
}

/** The `memoryBudget` option checked (a number of bytes > 0), or the default. */
export function resolveMemoryBudget(budget: number | undefined, where: string): MemoryBudget {
  if (budget === undefined) return defaultMemoryBudget();
  if (!(typeof budget === 'number' && budget > 0) || Number.isNaN(budget)) {
    throw new InputError(`${where}: memoryBudget must be a number of bytes > 0, got ${String(budget)}`);
  }
  return { bytes: budget, source: 'the memoryBudget option' };
}

/** An estimate from its parts (parts of 0 bytes dropped). */
export function memoryEstimate(parts: readonly MemoryPart[]): MemoryEstimate {
  const kept = parts.filter((x) => x.bytes > 0);
  return Object.freeze({ bytes: kept.reduce((s, x) => s + x.bytes, 0), parts: Object.freeze(kept) });
}

/** The estimate with the larger total (ties: the first). */
export function largerEstimate(...estimates: readonly MemoryEstimate[]): MemoryEstimate {
  return estimates.reduce((a, b) => (b.bytes > a.bytes ? b : a));
}

/** '51.72 GiB (55532480000 bytes)', or '17600 bytes' below a MiB. */
const size = (bytes: number): string => {
  const f = formatBytes(bytes);
  return f.endsWith(' bytes') ? f : `${f} (${bytes} bytes)`;
};

const listParts = (parts: readonly MemoryPart[]): string => parts.map((x) => `${x.what} ${formatBytes(x.bytes)}`).join(', ');

/**
 * Refuses with {@link ResourceError} when one wasm instance's parts exceed wasm32's 4 GiB or the
 * total exceeds the budget; the message names the estimate, its parts and the limit.
 * @param what the job, e.g. `lanczos (k = 10, p = 20,008,963)`
 * @param advice what to change, e.g. `ask for fewer eigenpairs or a smaller maxIterations`
 */
export function checkMemory(estimate: MemoryEstimate, budget: MemoryBudget, what: string, advice: string): void {
  const instances = new Map<string, MemoryPart[]>();
  for (const part of estimate.parts) if (part.instance) instances.set(part.instance, [...(instances.get(part.instance) ?? []), part]);
  for (const [instance, parts] of instances) {
    const bytes = parts.reduce((s, x) => s + x.bytes, 0);
    if (bytes > WASM_MEMORY_LIMIT) {
      throw new ResourceError(
        `${what} needs an estimated ${size(bytes)} in one wasm instance (${instance}: ${listParts(parts)}), ` +
        `more than wasm32's 4 GiB; ${advice}`,
      );
    }
  }
  if (estimate.bytes > budget.bytes) {
    throw new ResourceError(
      `${what} needs an estimated ${size(estimate.bytes)} at its peak (${listParts(estimate.parts)}), ` +
      `more than the memory budget of ${formatBytes(budget.bytes)} (${budget.source}); ${advice}`,
    );
  }
}

/** "20,008,963" */
export const count = (x: number): string => x.toLocaleString('en-US');

/**
 * Peak bytes a Krylov basis of up to `cap` vectors of length p adds: none when `resident` (it is
 * carved from the wasm reserve the vector ops made when they were created: whoever created them
 * counts it), else grown from `initialRows` by half again at a time, old and new rows alive
 * during each copy (krylov.ts).
 */
export function krylovBasisBytes(p: number, cap: number, initialRows: number, resident: boolean): number {
  if (resident) return 0;
  let have = Math.max(1, Math.min(cap, initialRows));
  let peak = have;
  while (have < cap) {
    const grown = Math.min(cap, Math.max(have + 1, Math.ceil(have * 1.5)));
    peak = Math.max(peak, have + grown);
    have = grown;
  }
  return 8 * peak * p;
}

/** What {@link lanczosMemory} needs to know. */
export interface LanczosShape {
  readonly p: number;
  readonly k: number;
  /** the iteration cap (≤ p) */
  readonly cap: number;
  /** the basis lives in the vector ops' wasm reserve (made already: not counted here) */
  readonly resident: boolean;
  /** warm-start vectors copied */
  readonly starts?: number;
}

/** Lanczos's peak: the basis at its cap, two work vectors, the k Ritz vectors it returns, the warm-start copies. */
export function lanczosMemory(s: LanczosShape): MemoryPart[] {
  const { p, k, cap } = s;
  return [
    { what: `Lanczos basis of up to ${count(cap)} vectors`, bytes: krylovBasisBytes(p, cap, Math.max(2 * k + 20, 60), s.resident) },
    { what: `${k} Ritz vectors and ${2 + (s.starts ? 1 : 0)} work vectors`, bytes: 8 * p * (k + 2 + (s.starts ? 1 : 0)) },
  ];
}

/** SLQ's peak: a basis of `steps` vectors, its probe and work vectors. */
export function densityMemory(p: number, steps: number, resident: boolean): MemoryPart[] {
  return [
    { what: `SLQ basis of ${steps} vectors`, bytes: krylovBasisBytes(p, steps, steps, resident) },
    { what: '3 probe and work vectors', bytes: 8 * p * 3 },
  ];
}
