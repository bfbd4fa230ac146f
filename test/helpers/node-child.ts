/**
 * Flags for the Node processes the tests start that run hessian-lens (the README's examples, the
 * built CLI).
 *
 * `--no-concurrent-recompilation`: Node (20.20.2 here, and 24 by nodejs/node#64560) can deadlock at
 * the very end of a process, after all its work and output (nodejs/node#54918). When the event
 * loop empties, the main thread waits in `NodePlatform::DrainTasks` for the platform's background
 * tasks; a concurrent TurboFan job among them that needs a garbage collection waits in
 * `CollectionBarrier::AwaitCollectionBackground` for the main thread, which never comes. The
 * README's dense-path example hung so in 3 of 2,144 runs here (gdb: those two stacks, every
 * time); with this flag TurboFan compiles on the main thread, no such job exists, and 0 of the
 * runs reported in docs/engine.md ("A hang at exit") hung. The flag changes no result: it only
 * moves the optimising compiler onto the main thread.
 */
export const CHILD_NODE_FLAGS: readonly string[] = ['--no-concurrent-recompilation'];
