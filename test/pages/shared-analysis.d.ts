/** Types of shared-analysis.js (plain JS so the browser page can import it without a build). */
export function sharedAnalysis(
  lib: typeof import('../../dist/index.js'),
  options: { modelBytes: Uint8Array; csvText: string; threads: number; onProgress?: () => void },
): Promise<string>;
