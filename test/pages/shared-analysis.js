// The analysis the parity test runs in Node and in Chromium alike: evaluate + top-10 Lanczos +
// per-sample alignment on a fixture, returned as one JSON string. `lib` is hessian-lens's dist
// module; the kernel build is forced so both sides run the same code.
export async function sharedAnalysis(lib, { modelBytes, csvText, threads, onProgress }) {
  const engine = await lib.createEngine({ threads, build: 'simd128', poolThreshold: 0 });
  try {
    const model = lib.loadMlp(modelBytes);
    const data = lib.parseCsv(csvText);
    const session = await engine.session(model, data, { chunkSize: 32 });
    const evaluation = await session.evaluate();
    const eig = await lib.lanczos(session.hessian(), { k: 10, seed: 7, onProgress });
    const products = await session.perSampleProducts(eig.eigenvectors);
    const alignment = eig.eigenvectors.map((_, j) =>
      Array.from(products.gradNormSq, (q, i) => (q > 0 ? products.dots[i * 10 + j] / Math.sqrt(q) : 0)),
    );
    await session.close();
    return JSON.stringify({
      threads: session.threads,
      evaluation,
      eigenvalues: eig.eigenvalues,
      residuals: eig.residuals,
      matvecs: eig.matvecs,
      eigenvectors: eig.eigenvectors,
      alignment,
    });
  } finally {
    await engine.close();
  }
}
