/**
 * Messages between the demo page and its analysis worker (demo/analysis-worker.ts). The worker
 * owns the engine; the page only draws. Everything crossing is structured-clone data.
 */
import type { AnalysisReport } from '../src/analysis/analyze.js';

/** What to train: one of the paper's presets (at a budget), or a toy set with a chosen net. */
export type DemoSource =
  | { readonly kind: 'preset'; readonly name: string; readonly budget: number }
  | {
    readonly kind: 'data';
    readonly name: string;
    readonly hidden: readonly number[];
    readonly activation: string;
    readonly optimizer: 'sgd' | 'adam';
    readonly lr: number;
    readonly epochs: number;
    readonly batchSize: number;
  };

/** One "Train" click. */
export interface DemoSettings {
  readonly source: DemoSource;
  readonly seed: number;
  /** top-k eigenpairs */
  readonly top: number;
  /** grid points per axis */
  readonly gridRes: number;
}

/** A preset as the page lists it. */
export interface PresetInfo {
  readonly name: string;
  readonly description: string;
  readonly sizes: readonly number[];
  readonly activation: string;
  readonly lr: number;
  readonly batchSize: number | 'full';
  readonly epochs: number;
}

export type ToWorker =
  | { readonly type: 'init'; readonly threads: number }
  | { readonly type: 'train'; readonly settings: DemoSettings }
  | { readonly type: 'abort' };

export type FromWorker =
  | {
    readonly type: 'ready';
    readonly presets: readonly PresetInfo[];
    readonly datasets: readonly string[];
    readonly activations: readonly string[];
    readonly build: string;
    /** workers the engine's pool started (0: no pool, the analysis worker computes alone) */
    readonly poolWorkers: number;
  }
  | {
    readonly type: 'train-progress';
    readonly phase: string;
    readonly phaseIndex: number;
    readonly phases: number;
    readonly epoch: number;
    readonly epochs: number;
    readonly loss: number;
    readonly fullLoss?: number;
    readonly valLoss?: number;
  }
  | { readonly type: 'stage'; readonly stage: string; readonly fraction?: number; readonly detail?: string }
  | {
    readonly type: 'result';
    readonly report: AnalysisReport;
    /** the trained model as a safetensors state_dict (nn.Sequential naming) */
    readonly safetensors: Uint8Array;
    readonly seconds: number;
  }
  | { readonly type: 'aborted' }
  | { readonly type: 'error'; readonly name: string; readonly message: string };
