/**
 * Small real analysis records for the report's tests, computed here (no fixture to go stale).
 */
import { analyze, type AnalysisReport, type Engine } from '../../src/index.js';

/**
 * Moons, 2-6-6-2 (p = 74), 30 epochs, top 4, with the per-layer spectra and the outlier
 * decomposition (and their densities); no dense path, grid or margin, so it runs in well under a second.
 */
export function layeredAnalysis(engine: Engine): Promise<AnalysisReport> {
  return analyze(engine, { data: 'moons', hidden: [6, 6], epochs: 30, top: 4, perLayer: true, decompose: true, dense: false, gridRes: 0, margin: false });
}
