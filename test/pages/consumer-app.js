// What every consumer app of test/integration/consumers.node.test.ts computes, in Chromium from its bundle
// and in Node from the packed dist/node/: train a few epochs, evaluate, open a session on the
// worker pool, Lanczos top-3. `lib` holds the hessian-lens exports the app imported by name (so
// bundlers tree-shake as they would for a real app). Floats come back as the hex of their
// float64 bits, so two runs compare bit for bit as strings.

/** Hex of the IEEE-754 float64 bits of each value, concatenated. */
export function float64Hex(values) {
  const bytes = new Uint8Array(Float64Array.from(values).buffer);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function consumerRun(lib) {
  const engine = await lib.createEngine({ threads: 2, poolThreshold: 0 });
  try {
    const data = lib.generateToy('gauss'); // seed 0 by default
    const spec = lib.mlpSpec([2, 16, 16, 3], 'tanh');
    const { model } = await lib.train(engine, { spec, theta: lib.initParameters(spec, 0) }, data,
      { epochs: 5, optimizer: 'adam', lr: 0.01, batchSize: 32, seed: 0 });
    const evaluation = await engine.evaluate(model, data);
    const session = await engine.session(model, data);
    const eig = await lib.lanczos(session.hessian(), { k: 3, seed: 1 });
    await session.close();
    return {
      build: engine.build,
      threads: engine.threads,
      sessionThreads: session.threads,
      shards: session.shards,
      theta: float64Hex(model.theta),
      loss: float64Hex([evaluation.loss]),
      accuracy: evaluation.accuracy,
      gradNorm: float64Hex([evaluation.gradNorm]),
      eigenvalues: float64Hex(eig.eigenvalues),
      residuals: float64Hex(eig.residuals),
      matvecs: eig.matvecs,
    };
  } finally {
    await engine.close();
  }
}
