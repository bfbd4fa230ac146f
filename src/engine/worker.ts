/**
 * The worker entry (dist/worker.js): exposes a {@link ShardService} over comlink, in a Node
 * worker thread or a browser Web Worker alike.
 */
import { expose } from 'comlink';
import { platform, READY_MESSAGE } from './platform.js';
import { ShardService } from './shard-service.js';

const adapter = await platform();
const endpoint = await adapter.parentEndpoint();
expose(new ShardService(), endpoint);
// Messages that arrive before `expose` listens would be lost (the entry awaits its adapter first),
// so the pool waits for this before its first call.
endpoint.postMessage(READY_MESSAGE);
