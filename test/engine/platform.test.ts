/**
 * The handshake shared by both platforms (src/engine/platform.ts): a worker's "ready" and "could
 * not start" messages, over a real MessageChannel (Node and Chromium have one), with any other
 * message ignored until one of the two arrives.
 */
import { describe, expect, it } from 'vitest';
import { READY_MESSAGE, workerFailedMessage, workerReady } from '../../src/engine/platform.js';

describe('workerReady', () => {
  it('resolves on the ready message, after ignoring others', async () => {
    const { port1, port2 } = new MessageChannel();
    const ready = workerReady(port1);
    port2.postMessage({ unrelated: 1 });
    port2.postMessage(READY_MESSAGE);
    await expect(ready).resolves.toBeUndefined();
    port1.close();
  });

  it('rejects with the entry\'s own error when the worker could not start', async () => {
    expect(workerFailedMessage(new Error('no such module'))).toEqual({ hessianLensWorkerFailed: 'no such module' });
    expect(workerFailedMessage('text')).toEqual({ hessianLensWorkerFailed: 'text' });
    const { port1, port2 } = new MessageChannel();
    const ready = workerReady(port1);
    port2.postMessage(workerFailedMessage(new Error('no such module')));
    await expect(ready).rejects.toThrow(new Error('the worker entry could not start: no such module'));
    port1.close();
  });
});
