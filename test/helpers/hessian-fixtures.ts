/**
 * A PyTorch fixture's loss Hessian as a session's Hessian operator (f32 kernels, in this thread),
 * for the Hessian solvers' tests against the fixtures' spectra. Those were computed by PyTorch in
 * float64 from the full autograd Hessian (torch.linalg.eigh), sharing no code with the wasm
 * R-operator HVP, the Lanczos/QL code or the stochastic estimators.
 */
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { HessianOperator } from '../../src/engine/session.js';
import { parseCsv } from '../../src/io/csv.js';
import { loadMlp } from '../../src/io/safetensors.js';
import { loadFixture, type FixtureReference } from './fixtures.js';

let enginePromise: Promise<Engine> | undefined;
const getEngine = (): Promise<Engine> => (enginePromise ??= createEngine());

/** The Hessian operator of fixture `name` and its reference numbers. */
export async function fixtureOperator(name: string): Promise<{ op: HessianOperator; ref: FixtureReference }> {
  const { model, csv, ref } = await loadFixture(name);
  const engine = await getEngine();
  // in this thread; the sessions are left open: each test's is dropped with its operator
  const session = await engine.session(loadMlp(model), parseCsv(csv), { inThread: true });
  return { op: session.hessian(), ref };
}
