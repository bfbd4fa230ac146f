// Row-batched f64 matrix–vector products for the margin search (src/engine/alignment-batch.ts):
// several inputs share each weight read, and every output element is summed in exactly the order
// of the float64 TypeScript reference (src/analysis/input-gradient.ts) — one k after the other,
// f64x2.mul then f64x2.add (never relaxed_madd, in both builds), SIMD lanes across independent
// outputs only — so the results are bit-identical to it in every build and runtime.
// A row list (i32 indices) picks the inputs; row r of a matrix X with leading dimension ld starts
// at X + 8·r·ld.

// @ts-ignore: decorator
@inline
function rowAt(X: usize, rows: usize, j: i32, ld: i32): usize {
  return X + ((<usize>load<i32>(rows + (<usize>j << 2)) * <usize>ld) << 3);
}

/**
 * Out[r, o] = bias[o] + Σ_k W[o, k]·A[r, k] (`add` = 0) or Out[r, o] += 0 + Σ_k W[o, k]·A[r, k]
 * (`add` = 1; bias unused), the k-sum in order k = 0, 1, …, for the `count` rows listed in `rows`.
 * Wt is the transposed weight [nin][nout] (so lanes run over outputs o).
 */
export function rows_affine_f64(Wt: usize, nin: i32, nout: i32, bias: usize, add: i32,
  A: usize, lda: i32, rows: usize, count: i32, Out: usize, ldo: i32): void {
  let j = 0;
  for (; j + 1 < count; j += 2) {
    affinePair(Wt, nin, nout, bias, add, rowAt(A, rows, j, lda), rowAt(A, rows, j + 1, lda),
      rowAt(Out, rows, j, ldo), rowAt(Out, rows, j + 1, ldo));
  }
  if (j < count) affineOne(Wt, nin, nout, bias, add, rowAt(A, rows, j, lda), rowAt(Out, rows, j, ldo), 0);
}

// @ts-ignore: decorator
@inline
function initVec(bias: usize, add: i32, o: i32): v128 {
  return add ? f64x2.splat(0) : v128.load(bias + (<usize>o << 3));
}

// @ts-ignore: decorator
@inline
function storeVec(out: usize, add: i32, o: i32, s: v128): void {
  const p = out + (<usize>o << 3);
  v128.store(p, add ? f64x2.add(v128.load(p), s) : s);
}

/** Two rows at once: 8 outputs × 2 rows of accumulators per weight read. */
function affinePair(Wt: usize, nin: i32, nout: i32, bias: usize, add: i32, a0: usize, a1: usize, out0: usize, out1: usize): void {
  const ldw = <usize>nout << 3;
  let o = 0;
  for (; o + 8 <= nout; o += 8) {
    let p00 = initVec(bias, add, o);
    let p01 = initVec(bias, add, o + 2);
    let p02 = initVec(bias, add, o + 4);
    let p03 = initVec(bias, add, o + 6);
    let p10 = p00;
    let p11 = p01;
    let p12 = p02;
    let p13 = p03;
    let w = Wt + (<usize>o << 3);
    for (let k = 0; k < nin; k++) {
      const x0 = f64x2.splat(load<f64>(a0 + (<usize>k << 3)));
      const x1 = f64x2.splat(load<f64>(a1 + (<usize>k << 3)));
      const w0 = v128.load(w);
      const w1 = v128.load(w, 16);
      const w2 = v128.load(w, 32);
      const w3 = v128.load(w, 48);
      p00 = f64x2.add(p00, f64x2.mul(w0, x0));
      p01 = f64x2.add(p01, f64x2.mul(w1, x0));
      p02 = f64x2.add(p02, f64x2.mul(w2, x0));
      p03 = f64x2.add(p03, f64x2.mul(w3, x0));
      p10 = f64x2.add(p10, f64x2.mul(w0, x1));
      p11 = f64x2.add(p11, f64x2.mul(w1, x1));
      p12 = f64x2.add(p12, f64x2.mul(w2, x1));
      p13 = f64x2.add(p13, f64x2.mul(w3, x1));
      w += ldw;
    }
    storeVec(out0, add, o, p00);
    storeVec(out0, add, o + 2, p01);
    storeVec(out0, add, o + 4, p02);
    storeVec(out0, add, o + 6, p03);
    storeVec(out1, add, o, p10);
    storeVec(out1, add, o + 2, p11);
    storeVec(out1, add, o + 4, p12);
    storeVec(out1, add, o + 6, p13);
  }
  affineOne(Wt, nin, nout, bias, add, a0, out0, o);
  affineOne(Wt, nin, nout, bias, add, a1, out1, o);
}

/** One row, outputs o0 … nout − 1: pairs of outputs, then a scalar tail. */
function affineOne(Wt: usize, nin: i32, nout: i32, bias: usize, add: i32, a: usize, out: usize, o0: i32): void {
  const ldw = <usize>nout << 3;
  let o = o0;
  for (; o + 2 <= nout; o += 2) {
    let p = initVec(bias, add, o);
    let w = Wt + (<usize>o << 3);
    for (let k = 0; k < nin; k++) {
      p = f64x2.add(p, f64x2.mul(v128.load(w), f64x2.splat(load<f64>(a + (<usize>k << 3)))));
      w += ldw;
    }
    storeVec(out, add, o, p);
  }
  for (; o < nout; o++) {
    let s: f64 = add ? 0.0 : load<f64>(bias + (<usize>o << 3));
    let w = Wt + (<usize>o << 3);
    for (let k = 0; k < nin; k++) {
      s = s + load<f64>(w) * load<f64>(a + (<usize>k << 3));
      w += ldw;
    }
    const p = out + (<usize>o << 3);
    store<f64>(p, add ? load<f64>(p) + s : s);
  }
}

/**
 * Out[r, i] (= 0 first unless `accumulate`) += W[o, i]·U[r, o] for o = 0, 1, … in order, skipping
 * every o with U[r, o] = 0 (as the reference does), for the `count` rows listed in `rows`.
 * W is row-major [nout][nin] (lanes run over inputs i). `work` holds 4·nout bytes.
 */
export function rows_transpose_axpy_f64(W: usize, nout: i32, nin: i32, U: usize, ldu: i32,
  rows: usize, count: i32, Out: usize, ldo: i32, accumulate: i32, work: usize): void {
  for (let j = 0; j < count; j++) {
    const u = rowAt(U, rows, j, ldu);
    const out = rowAt(Out, rows, j, ldo);
    if (!accumulate) memory.fill(out, 0, <usize>nin << 3);
    let nz = 0;
    for (let o = 0; o < nout; o++) {
      if (load<f64>(u + (<usize>o << 3)) != 0) {
        store<i32>(work + (<usize>nz << 2), o);
        nz++;
      }
    }
    let g = 0;
    for (; g + 4 <= nz; g += 4) {
      const o0 = load<i32>(work + (<usize>g << 2));
      const o1 = load<i32>(work + (<usize>g << 2), 4);
      const o2 = load<i32>(work + (<usize>g << 2), 8);
      const o3 = load<i32>(work + (<usize>g << 2), 12);
      axpy4(W, nin, u, out, o0, o1, o2, o3);
    }
    for (; g < nz; g++) axpy1(W, nin, u, out, load<i32>(work + (<usize>g << 2)));
  }
}

/** out[i] = (((out[i] + W[o0,i]·u0) + W[o1,i]·u1) + W[o2,i]·u2) + W[o3,i]·u3. */
function axpy4(W: usize, nin: i32, u: usize, out: usize, o0: i32, o1: i32, o2: i32, o3: i32): void {
  const c0 = load<f64>(u + (<usize>o0 << 3));
  const c1 = load<f64>(u + (<usize>o1 << 3));
  const c2 = load<f64>(u + (<usize>o2 << 3));
  const c3 = load<f64>(u + (<usize>o3 << 3));
  const v0 = f64x2.splat(c0);
  const v1 = f64x2.splat(c1);
  const v2 = f64x2.splat(c2);
  const v3 = f64x2.splat(c3);
  const w0 = W + ((<usize>o0 * <usize>nin) << 3);
  const w1 = W + ((<usize>o1 * <usize>nin) << 3);
  const w2 = W + ((<usize>o2 * <usize>nin) << 3);
  const w3 = W + ((<usize>o3 * <usize>nin) << 3);
  let i = 0;
  for (; i + 2 <= nin; i += 2) {
    const b = <usize>i << 3;
    let s = v128.load(out + b);
    s = f64x2.add(s, f64x2.mul(v128.load(w0 + b), v0));
    s = f64x2.add(s, f64x2.mul(v128.load(w1 + b), v1));
    s = f64x2.add(s, f64x2.mul(v128.load(w2 + b), v2));
    s = f64x2.add(s, f64x2.mul(v128.load(w3 + b), v3));
    v128.store(out + b, s);
  }
  for (; i < nin; i++) {
    const b = <usize>i << 3;
    let s = load<f64>(out + b);
    s = s + load<f64>(w0 + b) * c0;
    s = s + load<f64>(w1 + b) * c1;
    s = s + load<f64>(w2 + b) * c2;
    s = s + load<f64>(w3 + b) * c3;
    store<f64>(out + b, s);
  }
}

/** out[i] += W[o,i]·u[o]. */
function axpy1(W: usize, nin: i32, u: usize, out: usize, o: i32): void {
  const c = load<f64>(u + (<usize>o << 3));
  const v = f64x2.splat(c);
  const w = W + ((<usize>o * <usize>nin) << 3);
  let i = 0;
  for (; i + 2 <= nin; i += 2) {
    const b = <usize>i << 3;
    v128.store(out + b, f64x2.add(v128.load(out + b), f64x2.mul(v128.load(w + b), v)));
  }
  for (; i < nin; i++) {
    const b = <usize>i << 3;
    store<f64>(out + b, load<f64>(out + b) + load<f64>(w + b) * c);
  }
}
