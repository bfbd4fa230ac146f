/**
 * One case of the `memory` group, run in its own process so the peak RSS belongs to it alone:
 * `node --expose-gc --import tsx bench/memory-case.ts <case-id> [max-iterations] [stream]`
 * (`stream`: the net keeps no per-sample cache, `cacheBytes: 0`, and every Hv recomputes it).
 *
 * After the setup (engine, data, model) it collects garbage, resets the kernel's peak-RSS counter
 * (Linux: `5` written to /proc/self/clear_refs) and reads the baseline; then it does what
 * `analyze` does for the spectrum — a net with the curvature cache, and Lanczos top-10 with the
 * Krylov basis resident in wasm memory (`spectrumOps`) — and prints one JSON line with the
 * resident-set peak (VmHWM) over that work, the wasm memories, and issue 7's formula.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { spectrumOps } from '../src/analysis/analyze.js';
import { createEngine } from '../src/engine/engine.js';
import { lanczos } from '../src/hessian/lanczos.js';
import { parameterCount } from '../src/model/mlp.js';
import { BUILDS, caseData, caseModel, selectCases } from './cases.js';
import { memoryFormula, timedHessian } from './users.js';

const K = 10;

function status(field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`/proc/self/status has no ${field}`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

const [caseId, capArg, mode] = process.argv.slice(2);
const c = selectCases(caseId).find((x) => x.id === caseId);
if (!c) throw new Error(`unknown case ${String(caseId)}`);
const maxIterations = capArg ? Number(capArg) : undefined;
const stream = mode === 'stream';

const engine = await createEngine({ build: BUILDS[0]!, threads: 1 });
const data = caseData(c);
const model = await caseModel(engine, c, data);
const p = parameterCount(model.spec);
(globalThis as { gc?: () => void }).gc?.();
writeFileSync('/proc/self/clear_refs', '5');
const baseline = status('VmRSS');

const net = engine.net(model, data, stream ? { cacheBytes: 0 } : {});
net.prepareCurvature();
const { vectorOps } = spectrumOps(engine, p, K, false);
const op = timedHessian(net);
const t0 = performance.now();
const result = await lanczos(op, { k: K, ...(vectorOps ? { vectorOps } : {}), ...(maxIterations ? { maxIterations } : {}) });
const seconds = (performance.now() - t0) / 1000;
const peak = status('VmHWM');
// Basis rows written: one per iteration plus the next vector q_m (the wasm reserve for the whole
// iteration cap is address space only until rows are written).
const rows = Math.min(p, result.iterations + 1);
const basis = 8 * rows * p;
const formula = basis + memoryFormula(model, data);
// What the computation holds by construction: the net's wasm memory, the basis rows written, the
// k Ritz vectors it returns, and the basis's two work vectors (the start vector is drawn in one;
// restarts, the product past the cap and the Ritz vectors' residual checks reuse them).
const working = net.memoryBytes + basis + K * 8 * p + 2 * 8 * p;
console.log(JSON.stringify({
  case: c.id, p, n: data.n, iterations: result.iterations, matvecs: result.matvecs, seconds,
  baseline, peak, growth: peak - baseline, basis, formula, working,
  netWasmBytes: net.memoryBytes, cachesAllSamples: net.cachesAllSamples, residentBasis: vectorOps !== undefined,
}));
await engine.close();
