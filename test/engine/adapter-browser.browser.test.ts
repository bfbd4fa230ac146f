/**
 * The browser's side of the platform difference (src/engine/adapter-browser.ts), in Chromium: a
 * worker whose script does not load is reported as a failure naming the fix, a terminated worker
 * is reported as one (a Web Worker fires no event of its own), the page is its own parent
 * endpoint, and threads and memory are what `navigator` reports.
 */
import { describe, expect, it } from 'vitest';
import { hardwareThreads, parentEndpoint, spawnWorker, totalMemory } from '../../src/engine/adapter-browser.js';

describe('adapter-browser', () => {
  it('reports a terminated worker as a failure', async () => {
    const worker = await spawnWorker();
    const failures: string[] = [];
    worker.onFailure((e) => failures.push(e.message));
    await worker.terminate();
    expect(failures[0]).toBe('worker terminated');
  });

  it('the page is its own parent endpoint; threads and memory are navigator\'s', async () => {
    expect(await parentEndpoint()).toBe(globalThis);
    expect(await hardwareThreads()).toBe(Math.max(1, navigator.hardwareConcurrency));
    const gib = (navigator as { deviceMemory?: number }).deviceMemory;
    expect(totalMemory()).toBe(typeof gib === 'number' && gib > 0 ? gib * 2 ** 30 : undefined);
  });
});
