/**
 * The Session as the one bound handle (src/engine/session.ts): its model follows setParameters,
 * siblings on other data share θ, predictions and the Hessian operator give the same bits in this
 * thread and on a 2-worker pool, and a closed session refuses work with a clear error.
 *
 * Session.perSampleGradients, the n × p matrix of per-sample gradients g(x_i): why the references
 * are independent: with the true label, row i must equal the mean gradient of a one-sample dataset
 * {x_i} (Session.gradient, itself checked against finite differences and PyTorch elsewhere), and a
 * central finite difference of that sample's loss along a random direction; with the predicted
 * label, G·v must equal the products ⟨g(x_i), v⟩ and ‖g(x_i)‖² that perSampleProducts computes
 * without ever forming g (a different code path). Pool sessions must return the same bits as
 * in-thread ones.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/data/dataset.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { AbortError, ResourceError } from '../../src/errors.js';
import { lanczos } from '../../src/hessian/lanczos.js';
import { initParameters, mlpSpec, parameterCount } from '../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';
import { inBrowser } from '../helpers/fixtures.js';
import { referenceLogits, referencePerSampleGradient } from '../../src/reference/mlp.js';

const spec = mlpSpec([3, 12, 4], 'tanh');
const theta = initParameters(spec, 5);

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  return makeDataset(Float32Array.from({ length: 3 * n }, () => rng.normal()), Int32Array.from({ length: n }, (_, i) => i % 4), 3, 4);
}

let local: Engine;
let pooled: Engine;
afterAll(async () => {
  await local?.close();
  await pooled?.close();
});

describe('Session', () => {
  it('predictions, gradients and Hv are the same bits in this thread and on two workers', async () => {
    local = await createEngine({ threads: 1 });
    pooled = await createEngine({ threads: 2, poolThreshold: 0 });
    const d = data(600, 1); // three 256-sample blocks: both workers hold some
    const a = await local.session({ spec, theta }, d);
    const b = await pooled.session({ spec, theta }, d);
    expect(a.threads).toBe(1);
    expect(b.threads).toBe(2);
    const pa = await a.predictions();
    expect(pa).toHaveLength(600);
    expect(await b.predictions()).toEqual(pa);
    // the arg-max the per-sample products report is the same
    expect((await a.perSampleProducts([], 'predicted')).predicted).toEqual(pa);
    const v = gaussianVector(3, a.p);
    const ha = a.hessian();
    const hb = b.hessian();
    const outA = new Float64Array(a.p);
    const outB = new Float64Array(a.p);
    await ha.matvec(v, outA);
    await hb.matvec(v, outB);
    expect(outB).toEqual(outA);
    expect(ha.matvecs).toBe(1);
    expect(ha.size).toBe(a.p);
    await a.close();
    await b.close();
  });

  it('its model follows setParameters; withData binds the same θ to other data', async () => {
    local ??= await createEngine({ threads: 1 });
    const train = data(40, 2);
    const test = data(17, 3);
    const s = await local.session({ spec, theta }, train);
    expect(s.model.theta).toEqual(theta);
    expect(s.data).toBe(train);
    const moved = Float32Array.from(theta, (x, i) => x + 0.01 * Math.sin(i));
    await s.setParameters(moved);
    expect(s.model.theta).toEqual(moved);
    const sibling = await s.withData(test);
    expect(sibling.n).toBe(17);
    expect(sibling.model.theta).toEqual(moved);
    const direct = await local.session({ spec, theta: moved }, test);
    expect(await sibling.loss()).toEqual(await direct.loss());
    await sibling.close();
    await direct.close();
    await s.close();
    await expect(s.withData(test)).rejects.toThrow(ResourceError);
    await expect(s.predictions()).rejects.toThrow('this session is closed');
  });
});

describe('per-sample gradients', () => {
  // a net and data of this describe's own (a 3-7-5-4 net, 37 samples, f64 kernels)
  const spec = mlpSpec([3, 7, 5, 4], 'tanh');
  const p = parameterCount(spec);
  const theta = initParameters(spec, 3);
  const rng = new Rng(11);
  const n = 37;
  const data = makeDataset(Float32Array.from({ length: n * 3 }, () => rng.normal()), Int32Array.from({ length: n }, (_, i) => (i * 7) % 4), 3, 4);

  const engines: Engine[] = [];
  afterAll(async () => {
    for (const e of engines) await e.close();
  });

  async function engine(threads: number): Promise<Engine> {
    const e = await createEngine({ threads, poolThreshold: 0, chunkSize: 8, precision: 'f64' });
    engines.push(e);
    return e;
  }

  it('true label: each row is the gradient of its one-sample loss, and matches a central difference', async () => {
    const e = await engine(1);
    const session = await e.session({ spec, theta }, data);
    const G = await session.perSampleGradients('true');
    expect(G.length).toBe(n * p);
    const v = Float64Array.from({ length: p }, () => rng.normal());
    for (const i of [0, 5, 36]) {
      const one = makeDataset(data.x.slice(i * 3, i * 3 + 3), data.y.slice(i, i + 1), 3, 4);
      const s1 = await e.session({ spec, theta }, one);
      const { gradient } = await s1.gradient();
      const row = G.subarray(i * p, (i + 1) * p);
      let maxDiff = 0;
      let maxAbs = 0;
      for (let j = 0; j < p; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(row[j]! - gradient[j]!));
        maxAbs = Math.max(maxAbs, Math.abs(gradient[j]!));
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-12 * maxAbs);
      // central difference of the sample's loss along v (θ in f32: step large enough to resolve)
      const h = 1e-3;
      const lossAt = async (t: number): Promise<number> => {
        await s1.setParameters(Float32Array.from(theta, (x, j) => x + t * v[j]!));
        return (await s1.loss()).loss;
      };
      const fd = ((await lossAt(h)) - (await lossAt(-h))) / (2 * h);
      let dot = 0;
      for (let j = 0; j < p; j++) dot += row[j]! * v[j]!;
      expect(Math.abs(fd - dot)).toBeLessThan(2e-3 * Math.max(1, Math.abs(dot)));
      await s1.close();
    }
    await session.close();
  });

  it('predicted label: G·v and the row norms equal perSampleProducts', async () => {
    const e = await engine(1);
    const session = await e.session({ spec, theta }, data);
    const G = await session.perSampleGradients();
    const vs = [0, 1].map(() => Float64Array.from({ length: p }, () => rng.normal()));
    const prod = await session.perSampleProducts(vs);
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let j = 0; j < p; j++) sq += G[i * p + j]! ** 2;
      expect(Math.abs(sq - prod.gradNormSq[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1e-300, prod.gradNormSq[i]!));
      vs.forEach((v, k) => {
        let dot = 0;
        for (let j = 0; j < p; j++) dot += G[i * p + j]! * v[j]!;
        expect(Math.abs(dot - prod.dots[i * 2 + k]!)).toBeLessThanOrEqual(1e-11 * Math.sqrt(prod.gradNormSq[i]!) * Math.sqrt(p) + 1e-300);
      });
    }
    await session.close();
  });

  it.runIf(!inBrowser)('a pool session returns the same bits as the calling thread', async () => {
    const one = await (await engine(1)).session({ spec, theta }, data);
    const two = await (await engine(2)).session({ spec, theta }, data);
    expect(two.threads).toBe(2);
    expect(await two.perSampleGradients()).toEqual(await one.perSampleGradients());
    await one.close();
    await two.close();
  });
});

describe('Session.gaussNewton and Session.residual', () => {
  /** (1/n) Σ J_iᵀ (diag p_i − p_i p_iᵀ) J_i v with J_i by central differences of the float64 reference logits. */
  function ggnByDefinition(s: ReturnType<typeof mlpSpec>, th: Float32Array, d: ReturnType<typeof data>, v: Float64Array): Float64Array {
    const P = parameterCount(s);
    const C = s.sizes[s.sizes.length - 1]!;
    const out = new Float64Array(P);
    const h = 1e-5;
    const t = Float64Array.from(th);
    for (let i = 0; i < d.n; i++) {
      const x = d.x.subarray(i * d.d, (i + 1) * d.d);
      const J = Array.from({ length: C }, () => new Float64Array(P));
      for (let q = 0; q < P; q++) {
        const keep = t[q]!;
        t[q] = keep + h;
        const up = referenceLogits(s, t, x);
        t[q] = keep - h;
        const down = referenceLogits(s, t, x);
        t[q] = keep;
        for (let c = 0; c < C; c++) J[c]![q] = (up[c]! - down[c]!) / (2 * h);
      }
      const z = referenceLogits(s, t, x);
      const zmax = Math.max(...z);
      const e = Array.from(z, (zc) => Math.exp(zc - zmax));
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((ec) => ec / sum);
      const Jv = J.map((row) => row.reduce((acc, jq, q) => acc + jq * v[q]!, 0));
      const pJv = p.reduce((acc, pc, c) => acc + pc * Jv[c]!, 0);
      const u = p.map((pc, c) => pc * (Jv[c]! - pJv)); // (diag p − p pᵀ) J v
      for (let c = 0; c < C; c++) for (let q = 0; q < P; q++) out[q]! += (J[c]![q]! * u[c]!) / d.n;
    }
    return out;
  }
  const rel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i]! - b[i]!) ** 2;
      den += b[i]! ** 2;
    }
    return Math.sqrt(num / den);
  };
  const dotp = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  };

  for (const activation of ['tanh', 'relu', 'gelu'] as const) {
    it(`G·v equals its definition from explicit per-sample Jacobians (${activation}, float64)`, async () => {
      local ??= await createEngine({ threads: 1 });
      const s = mlpSpec([3, 5, 4, 4], activation);
      const th = initParameters(s, 8);
      const d = data(7, 3);
      const session = await local.session({ spec: s, theta: th }, d, { precision: 'f64' });
      const G = session.gaussNewton();
      for (const seed of [1, 2]) {
        const v = gaussianVector(seed, session.p);
        const out = new Float64Array(session.p);
        await G.matvec(v, out);
        expect(rel(out, ggnByDefinition(s, th, d, v))).toBeLessThan(1e-7);
      }
      expect(G.matvecs).toBe(2);
      await session.close();
    });
  }

  it('G is symmetric positive semi-definite to rounding; H = G + residual; for a linear model H = G', async () => {
    local ??= await createEngine({ threads: 1 });
    const d = data(40, 5);
    const deep = mlpSpec([3, 12, 12, 4], 'tanh');
    const session = await local.session({ spec: deep, theta: initParameters(deep, 2) }, d, { precision: 'f64' });
    const [G, H, R] = [session.gaussNewton(), session.hessian(), session.residual()];
    const p = session.p;
    const u = gaussianVector(4, p);
    const v = gaussianVector(5, p);
    const [Gu, Gv, Hv, Rv] = [new Float64Array(p), new Float64Array(p), new Float64Array(p), new Float64Array(p)];
    await G.matvec(u, Gu);
    await G.matvec(v, Gv);
    await H.matvec(v, Hv);
    await R.matvec(v, Rv);
    expect(Math.abs(dotp(u, Gv) - dotp(Gu, v))).toBeLessThan(1e-12 * Math.sqrt(dotp(Gu, Gu) * dotp(v, v)));
    for (let seed = 10; seed < 15; seed++) {
      const w = gaussianVector(seed, p);
      const Gw = new Float64Array(p);
      await G.matvec(w, Gw);
      expect(dotp(w, Gw)).toBeGreaterThanOrEqual(-1e-13 * dotp(w, w));
    }
    const sum = Gv.map((g, i) => g + Rv[i]!);
    expect(rel(sum, Hv)).toBeLessThan(1e-12);
    expect(rel(Rv, Hv)).toBeGreaterThan(1e-3); // a tanh net's own curvature is not negligible
    await session.close();
    const linear = mlpSpec([3, 4], 'tanh');
    const flat = await local.session({ spec: linear, theta: initParameters(linear, 1) }, data(30, 6), { precision: 'f64' });
    const w = gaussianVector(7, flat.p);
    const [a, b] = [new Float64Array(flat.p), new Float64Array(flat.p)];
    await flat.hessian().matvec(w, a);
    await flat.gaussNewton().matvec(w, b);
    expect(rel(b, a)).toBeLessThan(1e-13);
    await flat.close();
  });

});

describe('Session.fisher', () => {
  const dotp = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
    return s;
  };

  it('F·v equals (1/n) Σ g_i ⟨g_i, v⟩ with g_i the float64 reference per-sample gradients; symmetric, positive semi-definite', async () => {
    local ??= await createEngine({ threads: 1 });
    const s = mlpSpec([3, 6, 4], 'gelu');
    const th = initParameters(s, 12);
    const d = data(9, 4);
    const session = await local.session({ spec: s, theta: th }, d, { precision: 'f64' });
    const F = session.fisher();
    const p = session.p;
    const g = Array.from({ length: d.n }, (_, i) => referencePerSampleGradient(s, th, d.x.subarray(3 * i, 3 * i + 3), d.y[i]!));
    for (const seed of [3, 4]) {
      const v = gaussianVector(seed, p);
      const out = new Float64Array(p);
      await F.matvec(v, out);
      const want = new Float64Array(p);
      for (const gi of g) {
        const c = dotp(gi, v) / d.n;
        for (let q = 0; q < p; q++) want[q]! += c * gi[q]!;
      }
      let err = 0;
      let scale = 0;
      for (let q = 0; q < p; q++) {
        err = Math.max(err, Math.abs(out[q]! - want[q]!));
        scale = Math.max(scale, Math.abs(want[q]!));
      }
      expect(err).toBeLessThan(1e-10 * scale);
      expect(dotp(v, out)).toBeGreaterThanOrEqual(0);
    }
    const u = gaussianVector(6, p);
    const w = gaussianVector(7, p);
    const [Fu, Fw] = [new Float64Array(p), new Float64Array(p)];
    await F.matvec(u, Fu);
    await F.matvec(w, Fw);
    expect(Math.abs(dotp(u, Fw) - dotp(Fu, w))).toBeLessThan(1e-12 * Math.sqrt(dotp(Fu, Fu) * dotp(w, w)));
    // the Hessian afterwards is still the Hessian (the Fisher's pass left its scaled residuals in cache rows)
    const fresh = await local.session({ spec: s, theta: th }, d, { precision: 'f64' });
    const [h1, h2] = [new Float64Array(p), new Float64Array(p)];
    await session.hessian().matvec(u, h1);
    await fresh.hessian().matvec(u, h2);
    expect(h1).toEqual(h2);
    await session.close();
    await fresh.close();
  });

  it.each(['ggn', 'fisher'] as const)('%s: the same bits in this thread and on two workers', async (name) => {
    local ??= await createEngine({ threads: 1 });
    pooled ??= await createEngine({ threads: 2, poolThreshold: 0 });
    const d = data(600, 2);
    const a = await local.session({ spec, theta }, d);
    const b = await pooled.session({ spec, theta }, d);
    expect(b.threads).toBe(2);
    const v = gaussianVector(10, a.p);
    const [ra, rb] = [new Float64Array(a.p), new Float64Array(a.p)];
    await a.curvature(name).matvec(v, ra);
    await b.curvature(name).matvec(v, rb);
    expect(rb).toEqual(ra);
    await a.close();
    await b.close();
  });
});

describe('the other curvature operators under the solvers', () => {
  it('Lanczos on the Gauss–Newton, Fisher and residual operators stops on abort with an AbortError, and the session keeps working', async () => {
    local ??= await createEngine({ threads: 1 });
    const session = await local.session({ spec, theta }, data(300, 7));
    for (const name of ['ggn', 'fisher', 'residual'] as const) {
      const controller = new AbortController();
      let products = 0;
      const op = session.curvature(name);
      const counted = { size: op.size, matvec: async (v: Float64Array, out: Float64Array) => {
        await op.matvec(v, out);
        if (++products === 3) controller.abort();
      } };
      await expect(lanczos(counted, { k: 2, signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
      expect(products).toBeLessThan(6);
    }
    const eig = await lanczos(session.gaussNewton(), { k: 2 });
    expect(eig.eigenvalues[0]!).toBeGreaterThan(0);
    await session.close();
  });
});
