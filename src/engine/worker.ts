/**
 * The worker entry (dist/worker.js, dist/node/worker.js): exposes a {@link WorkerService} (shards and lane tasks) over
 * comlink, in a browser Web Worker or a Node worker thread alike. Built as one self-contained file
 * per variant (no imports, no top-level await), so a bundler's worker format (Vite: iife) can hold
 * it and it can be copied next to a bundle on its own.
 */
import { expose } from 'comlink';
import { parentEndpoint } from '#platform';
import { READY_MESSAGE, workerFailedMessage } from './platform.js';
import { WorkerService } from './worker-service.js';

void parentEndpoint()
  .then((endpoint) => {
    expose(new WorkerService(), endpoint);
    // Messages that arrive before `expose` listens would be lost (the endpoint comes from a
    // promise), so the pool waits for this before its first call.
    endpoint.postMessage(READY_MESSAGE);
  })
  .catch((error: unknown) => {
    // a browser does not report a worker's rejected promise to its parent: say so, then fail
    (globalThis as { postMessage?: (m: unknown) => void }).postMessage?.(workerFailedMessage(error));
    throw error;
  });
