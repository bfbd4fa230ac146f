/**
 * The margin search's runs, advanced together: every start is a small state machine (Newton
 * projection onto the boundary, Adam or SGD step, stopping rules) and each "tick" evaluates, in
 * one batch, every start that needs the model at its current input — a forward pass for all of
 * them, then one batched backward for those that need ∇ₓh (a Newton iteration, or the tangent
 * plane of a boundary-ascent step) and one batched A/∇ₓA evaluation for those taking a step.
 * Starts that stop drop out of the batch. See {@link margin} for the methods and their defaults.
 *
 * Each start's arithmetic is exactly that of a run on its own (src/reference/margin.ts, the
 * test's reference): the same expressions in the same order, per start, and a row-batched
 * evaluator ({@link BatchAlignmentGradient}) that equals {@link AlignmentGradient} bit for bit.
 * One forward pass serves a projection's final check, the evaluation at the projected point and
 * its tangent plane (the reference recomputes it: same input, same bits).
 */
import { throwIfAborted } from '../errors.js';
import { BatchAlignmentGradient } from '../engine/alignment-batch.js';
import type { CompiledKernels } from '../engine/wasm.js';
import type { MlpSpec } from '../model/mlp.js';

/**
 * `boundary-ascent` (default: max A² on the decision boundary), `free-ascent` (unconstrained Adam
 * ascent on A²) or `paper-sgd` (the paper's code); see the module notes.
 */
export type MarginMethod = 'boundary-ascent' | 'free-ascent' | 'paper-sgd';

/** Where a run started: a training point with extreme A_1, or a random point. */
export type MarginStartOrigin = 'train-max' | 'train-min' | 'random';

/** Random starts: `data-scaled` μ + σ ⊙ N(0, I) (Adam methods' default) or `standard-normal` N(0, I) (the paper's). */
export type StartDistribution = 'data-scaled' | 'standard-normal';

/** Why a run stopped. */
export type MarginStopReason = 'target' | 'max-steps' | 'stalled' | 'no-boundary';

/**
 * Progress of a margin search. The runs advance together, so one report covers all of them:
 * `fraction` = mean over runs of (1 when the run has ended, else steps / maxSteps), monotone.
 */
export interface MarginProgress {
  /** runs ended so far */
  readonly run: number;
  /** number of runs */
  readonly runs: number;
  /** batch steps so far: turns in which at least one run was evaluated (a Newton iteration counts) */
  readonly step: number;
  /** best |A| of all runs so far */
  readonly absAlignment: number;
  /** fraction of the search done, in [0, 1], never decreasing */
  readonly fraction: number;
}

/** Newton steps allowed per projection onto the boundary. */
export const MAX_PROJECTION_STEPS = 60;
/** A best |A| gain below this over `patience` steps counts as stalled. */
export const STALL_GAIN = 1e-6;
/** Adam's β₁, β₂ and ε. */
export const ADAM = { b1: 0.9, b2: 0.999, eps: 1e-12 } as const;

/** What every run of one search shares, resolved (defaults filled in, in input units). */
export interface SearchSetup {
  /** the compiled kernels (the batched evaluator instantiates its own) */
  readonly kernels: CompiledKernels;
  readonly spec: MlpSpec;
  /** [p] θ */
  readonly theta: ArrayLike<number>;
  /** [p] the direction v (normalised by the evaluators) */
  readonly direction: ArrayLike<number>;
  readonly method: MarginMethod;
  readonly maxSteps: number;
  /** Infinity: no early stop */
  readonly target: number;
  /** 0: no stall stop */
  readonly patience: number;
  /** Adam's learning rate, or paper-sgd's rate before the decay (input units) */
  readonly lr: number;
  /** paper-sgd only */
  readonly weightDecay: number;
  readonly decayAt: number;
  readonly decayFactor: number;
  /** boundary tolerance on the top-two logit gap (logit units) */
  readonly gapTolerance: number;
  /** longest Newton step (input units) */
  readonly maxMove: number;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: MarginProgress) => void) | undefined;
}

/** One start of the search. */
export interface SearchStart {
  readonly origin: MarginStartOrigin;
  /** [d] */
  readonly x: Float64Array;
}

/** A run's outcome; margin.ts adds the logit gap and label at `end`. */
export interface RunOutcome {
  readonly origin: MarginStartOrigin;
  /** [d] */
  readonly start: Float64Array;
  /** [d] best iterate */
  readonly end: Float64Array;
  readonly alignment: number;
  /** −1 when boundary-ascent never reached the boundary */
  readonly absAlignment: number;
  readonly steps: number;
  readonly bestStep: number;
  readonly stopReason: MarginStopReason;
}

/** Runs every start of a search; the batched one below, or the per-start reference in tests. */
export type StartRunner = (setup: SearchSetup, starts: readonly SearchStart[]) => Promise<RunOutcome[]>;

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const yieldToEventLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

const PROJECT = 0;
const EVALUATE = 1;
const DONE = 2;

/** One start's state between ticks. */
interface State {
  /** its row in the evaluator */
  readonly r: number;
  readonly origin: MarginStartOrigin;
  readonly start: Float64Array;
  readonly x: Float64Array;
  readonly prev: Float64Array;
  readonly best: Float64Array;
  readonly grad: Float64Array;
  readonly m1: Float64Array;
  readonly m2: Float64Array;
  readonly history: Float64Array | null;
  lr: number;
  pow1: number;
  pow2: number;
  bestAbs: number;
  bestA: number;
  bestStep: number;
  steps: number;
  stopReason: MarginStopReason;
  /** PROJECT: x is being projected (Newton iteration `it`); EVALUATE: A at x is due; DONE */
  phase: number;
  it: number;
  /** whether the projection follows a step (its failure then backs off) or is the start's */
  afterStep: boolean;
  /** the gap h at x during a projection */
  h: number;
}

/**
 * All starts of one search, advanced together ({@link StartRunner}). Progress every 100 ticks and
 * whenever a run ends; the signal is checked every tick; the event loop gets a turn every 50 ms.
 */
export const batchedRuns: StartRunner = async (setup, starts) => {
  const B = starts.length;
  const ev = new BatchAlignmentGradient(setup.kernels, setup.spec, setup.theta, setup.direction, B);
  const d = ev.d;
  const onBoundary = setup.method === 'boundary-ascent';
  const states: State[] = starts.map((s, r) => ({
    r,
    origin: s.origin,
    start: s.x,
    x: Float64Array.from(s.x),
    prev: new Float64Array(d),
    best: Float64Array.from(s.x),
    grad: new Float64Array(d),
    m1: new Float64Array(d),
    m2: new Float64Array(d),
    history: setup.patience > 0 ? new Float64Array(setup.patience) : null,
    lr: setup.lr,
    pow1: 1,
    pow2: 1,
    bestAbs: -1,
    bestA: 0,
    bestStep: 0,
    steps: 0,
    stopReason: 'max-steps',
    phase: onBoundary ? PROJECT : EVALUATE,
    it: 0,
    afterStep: false,
    h: 0,
  }));
  const active = new Int32Array(B);
  const evalRows = new Int32Array(B);
  const gapRows = new Int32Array(B);
  let finished = 0;
  let ticks = 0;
  let lastYield = now();
  const report = (): void => {
    if (!setup.onProgress) return;
    let done = 0;
    let best = -1;
    for (const st of states) {
      done += st.phase === DONE ? 1 : Math.min(st.steps / setup.maxSteps, 1);
      if (st.bestAbs > best) best = st.bestAbs;
    }
    setup.onProgress({ run: finished, runs: B, step: ticks, absAlignment: best, fraction: done / B });
  };
  const stop = (st: State): void => {
    st.phase = DONE;
    finished++;
    report();
  };
  // a failed projection: at the start, the run ends; after a step, back off and halve the rate
  const projectionFailed = (st: State): void => {
    if (!st.afterStep) {
      st.stopReason = 'no-boundary';
      stop(st);
      return;
    }
    st.x.set(st.prev);
    st.lr *= 0.5;
    st.steps++;
    st.phase = EVALUATE;
  };

  for (;;) {
    let na = 0;
    for (const st of states) {
      if (st.phase === DONE) continue;
      ev.setInput(st.r, st.x);
      active[na++] = st.r;
    }
    if (na === 0) break;
    ev.forward(active, na);

    // projections: check the gap; on the boundary the evaluation at x is due in this tick
    let ne = 0;
    let ng = 0;
    for (let j = 0; j < na; j++) {
      const st = states[active[j]!]!;
      if (st.phase === PROJECT) {
        const h = ev.gap(st.r);
        if (h <= setup.gapTolerance) {
          if (st.afterStep) st.steps++;
          st.phase = EVALUATE;
        } else if (st.it === MAX_PROJECTION_STEPS) {
          projectionFailed(st);
          continue;
        } else {
          st.h = h;
          gapRows[ng++] = st.r;
          continue;
        }
      }
      evalRows[ne++] = st.r;
    }

    // A and ∇A; stopping rules; SGD and free-ascent steps; boundary steps wait for ∇h
    ev.evaluate(evalRows, ne);
    const newton = ng;
    for (let j = 0; j < ne; j++) {
      const st = states[evalRows[j]!]!;
      const A = ev.alignment[st.r]!;
      st.grad.set(ev.gradient(st.r));
      if (!evaluated(st, A, setup)) {
        stop(st);
        continue;
      }
      if (setup.method === 'paper-sgd') {
        paperStep(st, A, setup);
        st.steps++;
        continue;
      }
      const c = -2 * A;
      const grad = st.grad;
      for (let i = 0; i < d; i++) grad[i] = c * grad[i]!;
      if (onBoundary) {
        ev.gap(st.r);
        gapRows[ng++] = st.r;
      } else {
        adamStep(st);
        st.steps++;
      }
    }

    // one backward batch for the Newton iterations and the tangent planes
    ev.gapGradients(gapRows, ng);
    for (let j = 0; j < ng; j++) {
      const st = states[gapRows[j]!]!;
      const nb = ev.gapGradient(st.r);
      if (j < newton) {
        if (!newtonStep(st, nb, setup)) projectionFailed(st);
        continue;
      }
      const grad = st.grad;
      let nn = 0;
      let gn = 0;
      for (let i = 0; i < d; i++) {
        nn += nb[i]! * nb[i]!;
        gn += nb[i]! * grad[i]!;
      }
      if (nn > 0) for (let i = 0; i < d; i++) grad[i] = grad[i]! - (gn / nn) * nb[i]!;
      st.prev.set(st.x);
      adamStep(st);
      st.phase = PROJECT;
      st.afterStep = true;
      st.it = 0;
    }

    ticks++;
    if (ticks % 100 === 0) report();
    throwIfAborted(setup.signal);
    if (now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = now();
      throwIfAborted(setup.signal);
    }
  }
  return states.map((st) => ({
    origin: st.origin,
    start: st.start,
    end: st.best,
    alignment: st.bestA,
    absAlignment: st.bestAbs,
    steps: st.steps,
    bestStep: st.bestStep,
    stopReason: st.stopReason,
  }));
};

/** Records A at x (best iterate, stopping rules); false when the run stops here. */
function evaluated(st: State, A: number, setup: SearchSetup): boolean {
  if (Math.abs(A) > st.bestAbs) {
    st.bestAbs = Math.abs(A);
    st.bestA = A;
    st.bestStep = st.steps;
    st.best.set(st.x);
  }
  if (st.bestAbs >= setup.target) {
    st.stopReason = 'target';
    return false;
  }
  if (st.steps >= setup.maxSteps) return false;
  const history = st.history;
  if (history) {
    const slot = st.steps % history.length;
    if (st.steps >= history.length && st.bestAbs - history[slot]! < STALL_GAIN) {
      st.stopReason = 'stalled';
      return false;
    }
    history[slot] = st.bestAbs;
  }
  return true;
}

/** paper-sgd: minimise (A² − 1)²: ∇ = 4A(A² − 1)∇A; SGD with weight decay, rate × decayFactor after decayAt. */
function paperStep(st: State, A: number, setup: SearchSetup): void {
  const rate = st.steps >= setup.decayAt ? setup.lr * setup.decayFactor : setup.lr;
  const c = 4 * A * (A * A - 1);
  const { x, grad } = st;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! - rate * (c * grad[i]! + setup.weightDecay * x[i]!);
}

/** Adam on the gradient in `st.grad` (bias-corrected moments). */
function adamStep(st: State): void {
  const { b1, b2, eps } = ADAM;
  const { x, grad, m1, m2 } = st;
  const lr = st.lr;
  st.pow1 *= b1;
  st.pow2 *= b2;
  const pow1 = st.pow1;
  const pow2 = st.pow2;
  for (let i = 0; i < x.length; i++) {
    const g = grad[i]!;
    m1[i] = b1 * m1[i]! + (1 - b1) * g;
    m2[i] = b2 * m2[i]! + (1 - b2) * g * g;
    x[i] = x[i]! - (lr * (m1[i]! / (1 - pow1))) / (Math.sqrt(m2[i]! / (1 - pow2)) + eps);
  }
}

/** One damped Newton step x ← x − h ∇h/‖∇h‖² (at most maxMove long); false when ∇h = 0. */
function newtonStep(st: State, nb: Float64Array, setup: SearchSetup): boolean {
  let nn = 0;
  for (let i = 0; i < nb.length; i++) nn += nb[i]! * nb[i]!;
  if (!(nn > 0)) return false;
  let t = st.h / nn;
  const move = t * Math.sqrt(nn);
  if (move > setup.maxMove) t *= setup.maxMove / move;
  const x = st.x;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! - t * nb[i]!;
  st.it++;
  return true;
}
