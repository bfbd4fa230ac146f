/**
 * What the analysis tests share: a lazily created engine, sessions closed after each test, small
 * seeded data, float64 reference alignments, and the tiny trained toy models of the margin tests.
 */
import { expect } from 'vitest';
import { makeDataset, type Dataset } from '../../src/data/dataset.js';
import { gauss } from '../../src/data/toy.js';
import { createEngine, type Engine, type Model } from '../../src/engine/engine.js';
import type { Session, SessionOptions } from '../../src/engine/session.js';
import { denseHessianSpectrum } from '../../src/hessian/dense.js';
import { initParameters, mlpSpec, type Activation } from '../../src/model/mlp.js';
import { Rng } from '../../src/model/rng.js';
import { referenceLogits, referencePerSampleGradient } from '../../src/reference/mlp.js';

let enginePromise: Promise<Engine> | undefined;
/** The engine the analysis tests share (created on first use). */
export const getEngine = (): Promise<Engine> => (enginePromise ??= createEngine());
const opened: Session[] = [];

/** A session on the shared engine; {@link closeSessions} (run it in afterEach) closes it. */
export async function bound(model: Model, data: Dataset, options: SessionOptions = {}): Promise<Session> {
  const session = await (await getEngine()).session(model, data, options);
  opened.push(session);
  return session;
}

/** Closes the sessions {@link bound} opened. */
export async function closeSessions(): Promise<void> {
  for (const s of opened.splice(0)) await s.close();
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
export const norm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));

export function argmax(z: ArrayLike<number>): number {
  let b = 0;
  for (let j = 1; j < z.length; j++) if (z[j]! > z[b]!) b = j;
  return b;
}

export function randomData(n: number, d: number, classes: number, seed: number, scale = 1.5): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d).map(() => rng.normal() * scale);
  const y = Int32Array.from({ length: n }, (_, i) => (i < classes ? i : rng.int(classes)));
  return makeDataset(x, y, d, classes);
}

/** A(x) by the float64 reference: cos(∇θ ℓ(x, ŷ), v), ŷ the reference arg-max unless given. */
export function referenceAlignment(model: Model, v: ArrayLike<number>, x: ArrayLike<number>, labelAt?: number): number {
  const label = labelAt ?? argmax(referenceLogits(model.spec, model.theta, x));
  const g = referencePerSampleGradient(model.spec, model.theta, x, label);
  return dot(g, v) / (norm(g) * norm(v));
}

/** JSON round trip equals the record, and the record is frozen. */
export function expectJsonRecord(r: object): void {
  expect(Object.isFrozen(r)).toBe(true);
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
}

export function minHiddenPreactivation(model: Model, x: ArrayLike<number>): number {
  // pre-activations of hidden layers, recomputed from the parameters (spec layout: weight then bias)
  const sizes = model.spec.sizes;
  let a = Array.from(x);
  let off = 0;
  let min = Infinity;
  for (let l = 1; l < sizes.length; l++) {
    const nin = sizes[l - 1]!;
    const nout = sizes[l]!;
    const z = Array.from({ length: nout }, (_, o) => {
      let s = model.theta[off + nin * nout + o]!;
      for (let i = 0; i < nin; i++) s += model.theta[off + o * nin + i]! * a[i]!;
      return s;
    });
    off += nin * nout + nout;
    if (l < sizes.length - 1) {
      for (const v of z) min = Math.min(min, Math.abs(v));
      a = z.map((v) => Math.max(v, 0));
    }
  }
  return min;
}

/** Full-batch Adam on the engine's gradient: a small trained classifier for the margin tests. */
export async function trainToy(engine: Engine, seed: number, sizes: number[], activation: Activation, steps = 300): Promise<{ model: Model; data: Dataset }> {
  const data = gauss({ seed, n: 150 });
  const spec = mlpSpec(sizes, activation);
  const theta = Float64Array.from(initParameters(spec, seed));
  const net = engine.net({ spec, theta: Float32Array.from(theta) }, data);
  const p = theta.length;
  const g = new Float64Array(p);
  const m = new Float64Array(p);
  const s = new Float64Array(p);
  const lr = 0.01;
  for (let t = 1; t <= steps; t++) {
    net.setParameters(theta);
    net.gradientSums(g);
    for (let i = 0; i < p; i++) {
      const gi = g[i]! / data.n;
      m[i] = 0.9 * m[i]! + 0.1 * gi;
      s[i] = 0.999 * s[i]! + 0.001 * gi * gi;
      theta[i]! -= (lr * m[i]! / (1 - 0.9 ** t)) / (Math.sqrt(s[i]! / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return { model: { spec, theta: Float32Array.from(theta) }, data };
}

export async function topEigenvector(_engine: Engine, model: Model, data: Dataset): Promise<readonly number[]> {
  const spec = await denseHessianSpectrum((await bound(model, data)).hessian(), { vectors: 1 });
  return spec.eigenvectors[0]!;
}
