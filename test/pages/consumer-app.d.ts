/** Types of consumer-app.js (plain JS so every consumer app bundles it as it is). */
import type { createEngine, generateToy, initParameters, lanczos, mlpSpec, train } from '../../dist/index.js';

export function float64Hex(values: ArrayLike<number>): string;

export function consumerRun(lib: {
  createEngine: typeof createEngine; generateToy: typeof generateToy; mlpSpec: typeof mlpSpec;
  initParameters: typeof initParameters; train: typeof train; lanczos: typeof lanczos;
}): Promise<{
  build: string; threads: number; sessionThreads: number; shards: number[]; theta: string; loss: string;
  accuracy: number; gradNorm: string; eigenvalues: string; residuals: string; matvecs: number;
}>;
