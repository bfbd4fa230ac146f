/**
 * When the worker entry cannot be loaded (a bundler that did not emit dist/worker.js), the engine
 * says so once — naming the entry that failed and the fix — reports the one thread it really
 * computes on, and computes in the calling thread: same results, no failed calls.
 */
import { expect, it, vi } from 'vitest';

vi.mock('#platform', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/engine/adapter-node.js')>();
  return { ...actual, spawnWorker: () => actual.spawnWorkerAt(new URL('./no-such-worker-entry.js', import.meta.url)) };
});

it('falls back to the calling thread when workers cannot start, and says so', async () => {
  const { createEngine } = await import('../../src/engine/engine.js');
  const { generateToy } = await import('../../src/data/toy.js');
  const { initParameters, mlpSpec } = await import('../../src/model/mlp.js');
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const engine = await createEngine({ threads: 2, poolThreshold: 0 });
  expect(engine.threads).toBe(2); // requested; the pool starts on first use
  const spec = mlpSpec([2, 8, 3], 'tanh');
  const model = { spec, theta: initParameters(spec, 0) };
  const data = generateToy('gauss', { seed: 0 });
  const session = await engine.session(model, data);
  expect(session.threads).toBe(1);
  expect(session.shards).toEqual([data.n]);
  expect(engine.threads).toBe(1);
  expect(warn).toHaveBeenCalledTimes(1);
  const message = String(warn.mock.calls[0]![0]);
  expect(message).toMatch(/worker pool could not start/);
  expect(message).toContain('no-such-worker-entry.js');
  expect(message).toContain('copy node_modules/hessian-lens/dist/worker.js next to the bundle');
  expect(message).toContain('engine.threads is now 1 instead of 2');
  const inThread = await (await createEngine({ threads: 1 })).evaluate(model, data);
  expect(await session.evaluate()).toEqual(inThread);
  await engine.session(model, data); // no second warning
  expect(warn).toHaveBeenCalledTimes(1);
  warn.mockRestore();
});
