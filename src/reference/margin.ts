/**
 * The margin search's runs one after another, each start on its own with {@link AlignmentGradient}
 * (one input per evaluation, a full forward pass per call): the path the batched search
 * (src/analysis/margin-batch.ts) replaced, kept as the executable spec its test compares with
 * bit for bit. Not used by production code.
 */
import { throwIfAborted } from '../errors.js';
import { AlignmentGradient } from '../analysis/input-gradient.js';
import {
  ADAM, MAX_PROJECTION_STEPS, STALL_GAIN, type MarginStartOrigin, type MarginStopReason, type RunOutcome, type SearchSetup, type StartRunner,
} from '../analysis/margin-batch.js';

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * Projects x onto the decision boundary in place by damped Newton steps on the top-two logit gap
 * h; returns whether h ≤ tolerance was reached. `nb` is a d-length scratch buffer.
 */
function projectToBoundary(s: SearchSetup, ev: AlignmentGradient, x: Float64Array, nb: Float64Array): boolean {
  for (let it = 0; it <= MAX_PROJECTION_STEPS; it++) {
    const h = ev.logitGap(x, nb);
    if (h <= s.gapTolerance) return true;
    if (it === MAX_PROJECTION_STEPS) break;
    let nn = 0;
    for (let i = 0; i < nb.length; i++) nn += nb[i]! * nb[i]!;
    if (!(nn > 0)) return false;
    let t = h / nn;
    const move = t * Math.sqrt(nn);
    if (move > s.maxMove) t *= s.maxMove / move;
    for (let i = 0; i < x.length; i++) x[i] = x[i]! - t * nb[i]!;
  }
  return false;
}

/** One search run from `start`. */
async function run(s: SearchSetup, ev: AlignmentGradient, origin: MarginStartOrigin, start: Float64Array, report: ((step: number, best: number) => void) | undefined): Promise<RunOutcome> {
  const d = start.length;
  const x = Float64Array.from(start);
  const prev = new Float64Array(d);
  const best = Float64Array.from(start);
  const grad = new Float64Array(d);
  const nb = new Float64Array(d);
  const m1 = new Float64Array(d);
  const m2 = new Float64Array(d);
  const { b1, b2, eps } = ADAM;
  const method = s.method;
  const onBoundary = method === 'boundary-ascent';
  let lr = s.lr;
  let pow1 = 1;
  let pow2 = 1;
  let bestAbs = -1;
  let bestA = 0;
  let bestStep = 0;
  let steps = 0;
  let stopReason: MarginStopReason = 'max-steps';
  let lastYield = now();
  const history = s.patience > 0 ? new Float64Array(s.patience) : null;
  if (onBoundary && !projectToBoundary(s, ev, x, nb)) stopReason = 'no-boundary';
  else {
    for (;;) {
      const A = ev.evaluate(x, grad);
      if (Math.abs(A) > bestAbs) {
        bestAbs = Math.abs(A);
        bestA = A;
        bestStep = steps;
        best.set(x);
      }
      if (bestAbs >= s.target) {
        stopReason = 'target';
        break;
      }
      if (steps >= s.maxSteps) break;
      if (history) {
        const slot = steps % history.length;
        if (steps >= history.length && bestAbs - history[slot]! < STALL_GAIN) {
          stopReason = 'stalled';
          break;
        }
        history[slot] = bestAbs;
      }
      if (method === 'paper-sgd') {
        const rate = steps >= s.decayAt ? s.lr * s.decayFactor : s.lr;
        const c = 4 * A * (A * A - 1);
        for (let i = 0; i < d; i++) x[i] = x[i]! - rate * (c * grad[i]! + s.weightDecay * x[i]!);
      } else {
        const c = -2 * A;
        for (let i = 0; i < d; i++) grad[i] = c * grad[i]!;
        if (onBoundary) {
          ev.logitGap(x, nb);
          let nn = 0;
          let gn = 0;
          for (let i = 0; i < d; i++) {
            nn += nb[i]! * nb[i]!;
            gn += nb[i]! * grad[i]!;
          }
          if (nn > 0) for (let i = 0; i < d; i++) grad[i] = grad[i]! - (gn / nn) * nb[i]!;
          prev.set(x);
        }
        pow1 *= b1;
        pow2 *= b2;
        for (let i = 0; i < d; i++) {
          const g = grad[i]!;
          m1[i] = b1 * m1[i]! + (1 - b1) * g;
          m2[i] = b2 * m2[i]! + (1 - b2) * g * g;
          x[i] = x[i]! - (lr * (m1[i]! / (1 - pow1))) / (Math.sqrt(m2[i]! / (1 - pow2)) + eps);
        }
        if (onBoundary && !projectToBoundary(s, ev, x, nb)) {
          x.set(prev);
          lr *= 0.5;
        }
      }
      steps++;
      if (steps % 100 === 0) {
        report?.(steps, bestAbs);
        if (now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = now();
        }
        throwIfAborted(s.signal);
      }
    }
  }
  report?.(steps, bestAbs);
  return { origin, start, end: best, alignment: bestA, absAlignment: bestAbs, steps, bestStep, stopReason };
}

/** Every start run to its end, one after another ({@link StartRunner}). */
export const sequentialRuns: StartRunner = async (setup, starts) => {
  const ev = new AlignmentGradient(setup.spec, setup.theta, setup.direction);
  const out: RunOutcome[] = [];
  const n = starts.length;
  for (let r = 0; r < n; r++) {
    const onProgress = setup.onProgress;
    const report = onProgress
      ? (step: number, best: number) => onProgress({ run: r, runs: n, step, absAlignment: best, fraction: (r + Math.min(step / setup.maxSteps, 1)) / n })
      : undefined;
    out.push(await run(setup, ev, starts[r]!.origin, starts[r]!.x, report));
  }
  return out;
};
