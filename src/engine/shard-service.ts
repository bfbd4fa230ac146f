/**
 * What a worker does: hold shards of datasets (each a DenseNet over a contiguous run of blocks)
 * and answer sum requests with pairwise-tree nodes. Also usable in the calling thread, so the pool
 * and the in-thread path share one implementation.
 */
import { transfer } from 'comlink';
import { makeDataset } from '../data/dataset.js';
import type { MlpSpec } from '../model/mlp.js';
import { DenseNet, type BlockNode, type DenseNetOptions, type LabelChoice, type PerSampleProducts } from './dense-net.js';
import { instantiateKernels, type GemmConfig, type KernelBuild, type WasmModule } from './wasm.js';

/** Everything a worker needs to hold one shard. */
export interface ShardInit {
  readonly module: WasmModule;
  readonly build: KernelBuild;
  /** the engine's GEMM configuration (same bits under any; default: the build's own) */
  readonly gemm?: GemmConfig;
  readonly spec: MlpSpec;
  readonly theta: Float32Array;
  /** [n_shard × d] */
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly d: number;
  readonly classes: number;
  readonly options: DenseNetOptions;
}

/** What opening a shard reports. */
export interface ShardOpened {
  readonly memoryBytes: number;
  readonly samples: number;
}

/** Marks the nodes' value arrays for transfer (no copy) when they cross a worker boundary. */
function transferred(nodes: BlockNode[]): BlockNode[] {
  return transfer(nodes, nodes.flatMap((n) => (n.values ? [n.values.buffer as ArrayBuffer] : [])));
}

/** Holds shards by id and computes over them. */
export class ShardService {
  private readonly shards = new Map<number, DenseNet>();

  /** Creates shard `id`; returns its wasm memory and the samples it holds, as this worker sees them. */
  open(id: number, init: ShardInit): ShardOpened {
    const data = makeDataset(init.x, init.y, init.d, init.classes);
    const net = new DenseNet(instantiateKernels({ build: init.build, module: init.module, ...(init.gemm ? { gemm: init.gemm } : {}) }), init.spec, data, init.options);
    net.setParameters(init.theta);
    this.shards.set(id, net);
    return { memoryBytes: net.memoryBytes, samples: data.n };
  }

  /** Drops shard `id` (its wasm memory goes with it). */
  close(id: number): void {
    this.shards.delete(id);
  }

  setParameters(id: number, theta: Float32Array): void {
    this.get(id).setParameters(theta);
  }

  forwardNodes(id: number): BlockNode[] {
    return this.get(id).forwardNodes();
  }

  gradientNodes(id: number): BlockNode[] {
    return transferred(this.get(id).gradientNodes());
  }

  /** Σ over the shard's samples of H_x·v into `out` (in this thread: no node arrays are made). */
  hvpSums(id: number, v: Float64Array, out: Float64Array): void {
    this.get(id).hvpSums(v, out);
  }

  hvpNodes(id: number, v: Float64Array): BlockNode[] {
    return transferred(this.get(id).hvpNodes(v));
  }

  /** Σ over the shard's samples of G_x·v (Gauss–Newton) into `out` (in this thread). */
  ggnSums(id: number, v: Float64Array, out: Float64Array): void {
    this.get(id).ggnSums(v, out);
  }

  ggnNodes(id: number, v: Float64Array): BlockNode[] {
    return transferred(this.get(id).ggnNodes(v));
  }

  /** Σ over the shard's samples of w_i·g_i at the true labels (weights in the shard's sample order) into `out` (in this thread). */
  weightedGradientSums(id: number, weights: Float64Array, out: Float64Array): void {
    this.get(id).weightedGradientSums(weights, out);
  }

  weightedGradientNodes(id: number, weights: Float64Array): BlockNode[] {
    return transferred(this.get(id).weightedGradientNodes(weights));
  }

  prepareCurvature(id: number): void {
    this.get(id).prepareCurvature();
  }

  perSampleProducts(id: number, vectors: Float64Array[], labels: LabelChoice): PerSampleProducts {
    return this.get(id).perSampleProducts(vectors, labels);
  }

  /** Arg-max labels of the shard's samples (one forward pass). */
  predictions(id: number): Int32Array {
    const net = this.get(id);
    net.forwardNodes();
    return net.predictions();
  }

  perSampleGradients(id: number, labels: LabelChoice): Float64Array {
    const g = this.get(id).perSampleGradients(labels);
    return transfer(g, [g.buffer as ArrayBuffer]);
  }

  /** @internal The net of shard `id` (a session in this thread trains on it: Session.trainingNet; a worker's lane tasks run on it). */
  net(id: number): DenseNet {
    return this.get(id);
  }

  private get(id: number): DenseNet {
    const net = this.shards.get(id);
    if (!net) throw new Error(`no shard ${id} in this worker`);
    return net;
  }
}
