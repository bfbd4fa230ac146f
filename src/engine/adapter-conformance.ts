/**
 * A compile-time check, never imported: both adapters export the {@link PlatformAdapter} shape.
 * Each build binds one of them through `#platform`, so nothing else would notice when one drifts.
 * (It lives here, not in platform.ts, which the adapters import their types from.)
 */
import type { PlatformAdapter } from './platform.js';

type Conforms<T extends PlatformAdapter> = T;

/** Fails to compile when an adapter's exports drift from {@link PlatformAdapter}. */
export type AdaptersConform = [Conforms<typeof import('./adapter-node.js')>, Conforms<typeof import('./adapter-browser.js')>];
