/**
 * When the worker entry cannot be loaded (a bundler that did not copy dist/worker.js), the engine
 * says so once and computes in the calling thread — same results, no failed calls.
 */
import { expect, it, vi } from 'vitest';

vi.mock('../src/engine/platform.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/engine/platform.js')>();
  return { ...actual, workerUrl: () => new URL('./no-such-worker-entry.js', import.meta.url) };
});

it('falls back to the calling thread when workers cannot start', async () => {
  const { createEngine } = await import('../src/engine/engine.js');
  const { generateToy } = await import('../src/data/toy.js');
  const { initParameters, mlpSpec } = await import('../src/model/mlp.js');
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const engine = await createEngine({ threads: 2, poolThreshold: 0 });
  const spec = mlpSpec([2, 8, 3], 'tanh');
  const model = { spec, theta: initParameters(spec, 0) };
  const data = generateToy('gauss', { seed: 0 });
  const session = await engine.session(model, data);
  expect(session.threads).toBe(1);
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0]![0])).toMatch(/worker pool could not start/);
  const inThread = await (await createEngine({ threads: 1 })).evaluate(model, data);
  expect(await session.evaluate()).toEqual(inThread);
  await engine.session(model, data); // no second warning
  expect(warn).toHaveBeenCalledTimes(1);
  warn.mockRestore();
});
