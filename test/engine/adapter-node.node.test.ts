/**
 * Node's side of the platform difference (src/engine/adapter-node.ts): a worker thread's messages
 * reach the comlink-shaped endpoint as `{ data }` events and stop once the listener is removed, its
 * exit is reported as a failure, and the machine's threads and memory are what node:os reports.
 * The worker is a five-line echo script written here, not hessian-lens's worker entry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cpuCaches, hardwareThreads, l2CacheBytes, parentEndpoint, spawnWorkerAt, totalMemory } from '../../src/engine/adapter-node.js';

describe('adapter-node', () => {
  it('a worker\'s messages arrive as { data } events until the listener is removed; its exit is a failure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hl-adapter-'));
    const entry = join(dir, 'echo.mjs');
    await writeFile(entry, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (m) => parentPort.postMessage({ echo: m }));\n");
    const worker = await spawnWorkerAt(pathToFileURL(entry));
    const failures: Error[] = [];
    worker.onFailure((e) => failures.push(e));
    const received: unknown[] = [];
    const listener = (event: Event): void => {
      received.push((event as MessageEvent).data);
    };
    const reply = (): Promise<unknown> => new Promise((resolve) => {
      const once = (event: Event): void => {
        worker.endpoint.removeEventListener('message', once);
        resolve((event as MessageEvent).data);
      };
      worker.endpoint.addEventListener('message', once);
    });
    worker.endpoint.addEventListener('message', listener);
    let next = reply();
    worker.endpoint.postMessage(1);
    expect(await next).toEqual({ echo: 1 });
    worker.endpoint.removeEventListener('message', listener);
    next = reply();
    worker.endpoint.postMessage(2);
    expect(await next).toEqual({ echo: 2 });
    expect(received).toEqual([{ echo: 1 }]);
    await worker.terminate();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(failures.map((e) => e.message)).toEqual(['worker exited with code 1']);
  });

  it('outside a worker there is no parent endpoint; threads and memory are node:os\'s', async () => {
    await expect(parentEndpoint()).rejects.toThrow('not running in a worker thread');
    expect(await hardwareThreads()).toBe(availableParallelism());
    const memory = totalMemory()!;
    expect(memory).toBeGreaterThan(0);
    expect(memory).toBeLessThanOrEqual(totalmem());
    const constrained = process.constrainedMemory?.();
    expect(memory).toBe(constrained !== undefined && constrained > 0 && constrained < totalmem() ? constrained : totalmem());
  });

  const getconf = (name: string): number | undefined => {
    try {
      const out = execFileSync('getconf', [name], { encoding: 'utf8' }).trim();
      return /^\d+$/.test(out) && Number(out) > 0 ? Number(out) : undefined;
    } catch {
      return undefined; // no getconf (not glibc)
    }
  };

  it('the L2 is what Linux tells (glibc\'s getconf reads the same CPU), or undefined where nothing tells it', () => {
    const l2 = l2CacheBytes();
    const told = getconf('LEVEL2_CACHE_SIZE');
    if (process.platform !== 'linux') expect(l2).toBeUndefined();
    else if (told !== undefined && l2 !== undefined) expect(l2).toBe(told);
    if (l2 !== undefined) {
      expect(Number.isInteger(l2)).toBe(true);
      expect(l2).toBeGreaterThanOrEqual(64 * 1024);
      expect(l2).toBe(cpuCaches()!.find((c) => c.level === 2 && c.type !== 'Instruction')!.bytes);
    }
  });

  it('the L1 caches read as getconf reads them (the L3 is not compared: a VM\'s CPUID may give the host\'s)', () => {
    const caches = cpuCaches();
    if (process.platform !== 'linux') expect(caches).toBeUndefined();
    if (!caches) return;
    for (const c of caches) {
      expect(Number.isInteger(c.bytes) && c.bytes > 0).toBe(true);
      expect(['Data', 'Instruction', 'Unified']).toContain(c.type);
    }
    const l1d = getconf('LEVEL1_DCACHE_SIZE');
    const l1i = getconf('LEVEL1_ICACHE_SIZE');
    if (l1d !== undefined) expect(caches.find((c) => c.level === 1 && c.type === 'Data')?.bytes).toBe(l1d);
    if (l1i !== undefined) expect(caches.find((c) => c.level === 1 && c.type === 'Instruction')?.bytes).toBe(l1i);
  });
});
