/**
 * Group `memory`: peak memory of what `analyze` does for the spectrum (a net with its curvature
 * cache, Lanczos top-10 with the basis in wasm memory) against issue 7's budget
 * 1.25 × (Lanczos basis + model + data + one chunk of activations), per MLP case. Each case runs
 * in a child process (bench/memory-case.ts), so its peak resident set is its own: the record is
 * the growth of the peak over the baseline after setup (Node itself, the engine, the caller's
 * dataset). A second record gives the working set by construction (the net's wasm memory, the
 * basis rows written, the returned Ritz vectors and Lanczos's two work vectors).
 * Every Lanczos run goes to convergence, as analyze's does (784-512-512-10: ≈ 1.5 min cached, 2 min
 * streamed): a run capped early would hold a small basis next to the same net and Ritz vectors, a
 * budget no real run sees. The n = 10,000 cases
 * run a second time with `cacheBytes: 0` (activations recomputed per Hv: O(chunk) memory, slower).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { selectCases } from './cases.js';
import { bytesRecord, errorRecord, valueRecord, type BenchRecord } from './harness.js';

const run = promisify(execFile);

interface CaseResult {
  case: string;
  p: number;
  n: number;
  iterations: number;
  growth: number;
  formula: number;
  working: number;
  basis: number;
  netWasmBytes: number;
  cachesAllSamples: boolean;
  residentBasis: boolean;
  seconds: number;
}

export async function memoryBench(records: BenchRecord[], filter?: string): Promise<void> {
  const script = fileURLToPath(new URL('./memory-case.ts', import.meta.url));
  for (const c of selectCases(filter)) {
    for (const stream of c.n >= 10_000 ? [false, true] : [false]) {
      const tag = `${c.id}${stream ? '.streamed' : ''}`;
      const args = ['--experimental-wasm-relaxed-simd', '--expose-gc', '--import', 'tsx', script, c.id, '', stream ? 'stream' : ''];
      let r: CaseResult;
      try {
        const { stdout } = await run(process.execPath, args, { maxBuffer: 1 << 20 });
        r = JSON.parse(stdout.trim().split('\n').pop()!) as CaseResult;
      } catch (error) {
        records.push(errorRecord(`mem.lanczos-peak-rss-growth.${tag}`, error));
        continue;
      }
      const budget = { bytes: r.formula, against: 'basis (rows written) + θ and its f64 accumulator + data + one 256-sample chunk of activations' };
      const what = `Lanczos top-10, ${r.iterations} iterations, basis ${(r.basis / 2 ** 20).toFixed(1)} MiB ` +
        `${r.residentBasis ? 'in wasm memory' : 'in JS'}; net ${(r.netWasmBytes / 2 ** 20).toFixed(1)} MiB wasm` +
        `${r.cachesAllSamples ? ' with the per-sample cache' : ', no per-sample cache (cacheBytes: 0)'}; ${r.seconds.toFixed(1)} s`;
      records.push(bytesRecord(`mem.lanczos-peak-rss-growth.${tag}`, r.growth, budget, what));
      records.push(bytesRecord(`mem.lanczos-working-set.${tag}`, r.working, budget, 'net wasm memory + basis rows + 10 Ritz vectors + 2 Lanczos work vectors'));
    }
  }
}
