// Prints computeDigests(build, precision) as JSON: run by the browser test's `nodeDigest` command
// (vitest.config.ts) so the browser can compare its bits with Node's.
import { computeDigests } from './digest.js';

const [build = 'simd128', precision = 'f32'] = process.argv.slice(2);
const digests = await computeDigests(build as 'simd128' | 'relaxed', precision as 'f32' | 'f64');
process.stdout.write(JSON.stringify(digests));
