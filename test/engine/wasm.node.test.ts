/**
 * The relaxed-SIMD probe (a 37-byte module using f32x4.relaxed_madd) decides the kernel build
 * without decoding the relaxed build: it must agree with validating the relaxed build itself, in
 * this process (Node with --experimental-wasm-relaxed-simd, as vitest runs it) and in a Node
 * without the flag (Node 20 then has no relaxed SIMD). The relaxed build is the independent
 * reference: it is what would actually be compiled.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { kernelBytes, relaxedSimdSupported } from '../../src/engine/wasm.js';
import { repoRoot } from '../helpers/chromium.js';

it('agrees with validating the relaxed build, with the flag', () => {
  expect(relaxedSimdSupported()).toBe(WebAssembly.validate(kernelBytes('relaxed')));
  expect(WebAssembly.validate(kernelBytes('simd128'))).toBe(true);
});

it('agrees with validating the relaxed build, in a Node without the flag', async () => {
  const script = `import { kernelBytes, relaxedSimdSupported } from './src/engine/wasm.ts';
console.log(JSON.stringify([relaxedSimdSupported(), WebAssembly.validate(kernelBytes('relaxed'))]));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot });
  const [probe, build] = JSON.parse(stdout) as [boolean, boolean];
  expect(probe).toBe(build);
  console.log(`without --experimental-wasm-relaxed-simd, Node ${process.version} validates relaxed SIMD: ${build}`);
});
