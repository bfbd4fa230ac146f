/**
 * The worker entry (dist/worker.js): exposes a {@link ShardService} over comlink, in a Node
 * worker thread or a browser Web Worker alike.
 */
import { expose } from 'comlink';
import { platform } from './platform.js';
import { ShardService } from './shard-service.js';

const adapter = await platform();
expose(new ShardService(), await adapter.parentEndpoint());
