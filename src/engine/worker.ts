/**
 * The worker entry (dist/worker.js): exposes a {@link ShardService} over comlink, in a Node
 * worker thread or a browser Web Worker alike.
 */
import { expose } from 'comlink';
import { platform, READY_MESSAGE, workerFailedMessage } from './platform.js';
import { ShardService } from './shard-service.js';

// No top-level await: some bundlers' default worker format (Vite's iife) cannot hold one.
void platform()
  .then((adapter) => adapter.parentEndpoint())
  .then((endpoint) => {
    expose(new ShardService(), endpoint);
    // Messages that arrive before `expose` listens would be lost (the entry awaits its adapter
    // first), so the pool waits for this before its first call.
    endpoint.postMessage(READY_MESSAGE);
  })
  .catch((error: unknown) => {
    // a browser does not report a worker's rejected promise to its parent: say so, then fail
    (globalThis as { postMessage?: (m: unknown) => void }).postMessage?.(workerFailedMessage(error));
    throw error;
  });
