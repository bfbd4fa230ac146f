/**
 * Deterministic sums over blocks of samples. Block b is samples [b·block, (b+1)·block) of the whole
 * dataset, wherever they are held; a run of blocks is cut into maximal aligned power-of-two runs,
 * each summed as a perfect binary tree (a node), and {@link combineBlockNodes} adds nodes in block
 * order with a binary counter. IEEE addition is commutative, so any split of the blocks among
 * workers gives the bits of one thread's sum.
 */
import type { Arena } from '../arena.js';
import type { KernelExports } from '../wasm.js';

/** The scalar sums of a block (or of a run of blocks). */
export interface BlockScalars {
  readonly loss: number;
  readonly correct: number;
}

/**
 * A node of the canonical pairwise summation tree over blocks of samples: the sum over an aligned
 * run of 2^level blocks.
 */
export interface BlockNode extends BlockScalars {
  readonly level: number;
  /** [p] vector sum, or null for scalar-only reductions */
  readonly values: Float64Array | null;
}

/**
 * Adds tree nodes given in block order: a binary counter merges equal levels (the canonical tree),
 * then the remaining partial sums are folded from the right. Consumes the nodes: their value
 * arrays are summed in place (every node carries a fresh array, sliced or received from a worker).
 */
export function combineBlockNodes(nodes: readonly BlockNode[]): { loss: number; correct: number; values: Float64Array | null } {
  type Entry = { level: number; loss: number; correct: number; values: Float64Array | null };
  const stack: Entry[] = [];
  // left + right into left's array (IEEE addition is commutative, so the bits equal right + left)
  const add = (a: Entry, b: Entry, level: number): Entry => {
    let values: Float64Array | null = null;
    if (a.values && b.values) {
      values = a.values;
      const bv = b.values;
      for (let i = 0; i < values.length; i++) values[i]! += bv[i]!;
    }
    return { level, loss: a.loss + b.loss, correct: a.correct + b.correct, values };
  };
  for (const node of nodes) {
    let carry: Entry = { ...node };
    while (stack.length > 0 && stack[stack.length - 1]!.level === carry.level) {
      carry = add(stack.pop()!, carry, carry.level + 1);
    }
    stack.push(carry);
  }
  if (stack.length === 0) return { loss: 0, correct: 0, values: null };
  let result = stack[stack.length - 1]!;
  for (let i = stack.length - 2; i >= 0; i--) result = add(stack[i]!, result, stack[i]!.level);
  return result;
}

/** Which blocks a net holds. */
export interface BlockRange {
  /** samples held */
  readonly n: number;
  /** samples per block (the last block may be shorter) */
  readonly block: number;
  /** global index of the first block held */
  readonly firstBlock: number;
}

/** Work on the block of samples [i0, i0 + m): its scalar sums. */
export type ScalarBlockWork = (i0: number, m: number) => BlockScalars;

/**
 * Work on the block of samples [i0, i0 + m): its scalar sums, with its p-vector sum written to the
 * f64 vector at `sums` (every entry: the buffer is not zeroed first).
 */
export type VectorBlockWork = (i0: number, m: number, sums: number) => BlockScalars;

/** A node whose vector sum sits in a pool buffer. */
interface PooledNode extends BlockScalars {
  readonly level: number;
  readonly buf: number;
}

/**
 * Pairwise block sums over one net's blocks, with the f64 p-vectors of partial sums kept in wasm
 * memory (at most one per tree level + 1, allocated on first use and reused across calls).
 */
export class PairwiseBlockSum {
  private readonly pool: number[] = [];

  constructor(
    private readonly arena: Arena,
    private readonly axpy: KernelExports['axpy_f64'],
    private readonly range: BlockRange,
    /** length of the vector sums */
    private readonly p: number,
  ) {}

  /** Scalar sums only, as tree nodes (values null). */
  scalarNodes(work: ScalarBlockWork): BlockNode[] {
    return this.reduce(work, false).map(({ level, loss, correct }) => ({ level, loss, correct, values: null }));
  }

  /** Tree nodes whose values are fresh arrays (for workers, and for callers that keep them). */
  vectorNodes(work: VectorBlockWork): BlockNode[] {
    // views only now: allocating a buffer may grow (and detach) wasm memory
    return this.reduce(work, true).map(({ level, loss, correct, buf }) => ({ level, loss, correct, values: this.view(buf).slice() }));
  }

  /**
   * The whole sum: the vector into `out`, the scalars returned. The nodes are combined in place in
   * wasm memory (their values are views of the pool) and only the total is copied.
   */
  vectorTotal(work: VectorBlockWork, out: Float64Array): BlockScalars {
    const nodes = this.reduce(work, true).map(({ level, loss, correct, buf }) => ({ level, loss, correct, values: this.view(buf) }));
    const total = combineBlockNodes(nodes);
    out.set(total.values!);
    return { loss: total.loss, correct: total.correct };
  }

  /** A pool buffer for a sum outside the tree (a mini-batch); the next reduction overwrites it. */
  scratch(): number {
    return this.pool[0] ?? this.newBuffer();
  }

  private view(buf: number): Float64Array {
    return this.arena.viewF64(buf, this.p);
  }

  /** The nodes of this net's blocks, vector sums (with `vector`) left in pool buffers. */
  private reduce(work: VectorBlockWork, vector: boolean): PooledNode[] {
    const nodes: PooledNode[] = [];
    const { n, block, firstBlock } = this.range;
    const blocks = Math.ceil(n / block);
    const free = this.pool.slice();
    let local = 0;
    while (local < blocks) {
      const global = firstBlock + local;
      let size = 1;
      while ((global % (size * 2) === 0) && local + size * 2 <= blocks) size *= 2;
      nodes.push(this.reduceRun(local, size, vector, free, work));
      local += size;
    }
    return nodes;
  }

  /**
   * Perfect-binary-tree sum of `size` (a power of two) blocks from local block `start`. Each block
   * writes into a free buffer of the pool; merging adds the newer partial sum into the older one's
   * buffer (top + carry, as IEEE addition is commutative the bits equal carry + top) and frees the
   * newer, so no p-vector is ever copied or zeroed. The node's sum stays in its buffer, which is
   * not returned to `free`.
   */
  private reduceRun(start: number, size: number, vector: boolean, free: number[], work: VectorBlockWork): PooledNode {
    const stack: PooledNode[] = [];
    const { n, block } = this.range;
    for (let b = start; b < start + size; b++) {
      const i0 = b * block;
      const m = Math.min(block, n - i0);
      const buf = vector ? (free.pop() ?? this.newBuffer()) : 0;
      const r = work(i0, m, buf);
      let carry: PooledNode = { level: 0, loss: r.loss, correct: r.correct, buf };
      while (stack.length > 0 && stack[stack.length - 1]!.level === carry.level) {
        const top = stack.pop()!;
        if (vector) {
          this.axpy(1, carry.buf, top.buf, this.p);
          free.push(carry.buf);
        }
        carry = { level: top.level + 1, loss: top.loss + carry.loss, correct: top.correct + carry.correct, buf: top.buf };
      }
      stack.push(carry);
    }
    return stack[0]!;
  }

  /** A new f64 p-vector for the pool (kept for later calls). */
  private newBuffer(): number {
    const buf = this.arena.f64(this.p, 'a pairwise-sum buffer');
    this.pool.push(buf);
    return buf;
  }
}
