/**
 * The demo's analysis worker: a module Worker that owns a hessian-lens engine (whose own worker
 * pool it starts at init, so every script is loaded before the page goes offline), trains the
 * chosen preset or toy set, runs `analyze` on the trained model and posts progress and the
 * result. Training goes through `runPreset` / `train` here rather than inside `analyze`, because
 * the page exports the model and the analysis record does not carry θ; the record is then
 * completed with the same training phases, data name and source that `analyze({ preset })` writes,
 * so for a preset it equals the API's record field for field.
 */
import {
  ACTIVATIONS, AbortError, PRESETS, PRESET_NAMES, TOY_DATASETS, TOY_NAMES, analyze, createEngine, generateToy, initParameters,
  isToyName, mlpSpec, parameterCount, runPreset, saveMlp, split, train, trainingRecord,
  type Activation, type AnalysisReport, type Engine, type Model,
} from '../src/index.js';
import { errorKind } from './error-kind.js';
import type { DemoSettings, FromWorker, PresetInfo, ToWorker } from './protocol.js';

/**
 * The page runs the dense path (G over all p eigenvectors) for small models only: at the paper's
 * p = 10,703 it takes minutes and 1.9 GB — the CLI and the API do that (`analyze --dense`).
 */
const PAGE_DENSE_LIMIT = 1500;
const pageDense = (model: Model): boolean => parameterCount(model.spec) <= PAGE_DENSE_LIMIT;

const post = (message: FromWorker, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(message, transfer);

let engine: Engine | null = null;
let running: AbortController | null = null;

/**
 * Starts the engine and, with threads > 1, its worker pool right away: the pool's workers load
 * the library's worker.js now, so the page keeps working offline, and `ready` can report how many
 * started. (The toy sets are small, so most jobs run in this worker; the pool serves large ones.)
 */
async function init(threads: number): Promise<void> {
  await engine?.close();
  engine = await createEngine({ threads });
  // the pool starts its workers lazily; here all of them now, while the page is online
  const pool = engine.threads > 1 ? await engine.workerPool() : null;
  await pool?.startAll();
  const poolWorkers = pool ? pool.started : 0;
  const presets: PresetInfo[] = PRESET_NAMES.filter((n) => PRESETS[n].data.source !== 'iris').map((n) => {
    const p = PRESETS[n];
    return { name: n, description: p.description, sizes: p.model.sizes, activation: p.model.activation, lr: p.optimizer.lr, batchSize: p.batchSize, epochs: p.phases.reduce((s, ph) => s + ph.epochs, 0) };
  });
  post({ type: 'ready', presets, datasets: [...TOY_NAMES], activations: [...ACTIVATIONS], build: engine.build, poolWorkers });
}

async function run(settings: DemoSettings): Promise<void> {
  if (!engine) throw new Error('the engine is not ready');
  const controller = new AbortController();
  running = controller;
  const { signal } = controller;
  const t0 = performance.now();
  const { seed, top, gridRes } = settings;
  const src = settings.source;
  const onStage = (p: { stage: string; fraction?: number; detail?: string }): void => {
    if (p.stage !== 'train') post({ type: 'stage', stage: p.stage, ...(p.fraction !== undefined ? { fraction: p.fraction } : {}), ...(p.detail ? { detail: p.detail } : {}) });
  };
  let model: Model;
  let report: AnalysisReport;
  if (src.kind === 'preset') {
    post({ type: 'stage', stage: 'train', fraction: 0, detail: `preset ${src.name} at budget ${src.budget}` });
    const run = await runPreset(engine, src.name, {
      budget: src.budget, seed, signal,
      onProgress: (p) => post({ type: 'train-progress', phase: p.phase, phaseIndex: p.phaseIndex, phases: p.phases, epoch: p.epoch, epochs: p.epochs, loss: p.loss, ...(p.fullLoss !== undefined ? { fullLoss: p.fullLoss } : {}), ...(p.valLoss !== undefined ? { valLoss: p.valLoss } : {}) }),
    });
    model = run.model;
    // the preset's own split (the paper's), recorded as analyze({ preset }) records it
    const counts = { train: run.data.train.n, test: run.data.test?.n ?? 0, val: run.data.val?.n ?? 0, seed: null };
    const base = await analyze(engine, { model, data: { train: run.data.train, test: run.data.test, val: run.data.val, split: counts }, budget: src.budget, seed, top, gridRes, dense: pageDense(model), signal, onProgress: onStage });
    // what analyze({ preset }) records about the data, the training and the model's source
    report = Object.freeze({
      ...base,
      settings: { ...base.settings, preset: run.preset },
      data: { ...base.data, name: `${run.preset} (${run.data.train.n} train)` },
      model: { ...base.model, source: `preset ${run.preset}, budget ${src.budget}, seed ${seed}` },
      training: run.training.map((ph) => ({ phase: ph.phase, labels: ph.labels, record: ph.training })),
    });
  } else {
    if (!isToyName(src.name)) throw new Error(`unknown dataset ${src.name}`);
    const parts = split(generateToy(src.name, { seed }), TOY_DATASETS[src.name].split, seed);
    const classes = Math.max(parts.train.classes, parts.test?.classes ?? 0, parts.val?.classes ?? 0);
    const spec = mlpSpec([2, ...src.hidden, classes], src.activation as Activation);
    const epochs = Math.max(1, Math.round(src.epochs));
    const validation = parts.val ?? parts.test ?? undefined;
    post({ type: 'stage', stage: 'train', fraction: 0, detail: `training ${spec.sizes.join('-')} ${spec.activation} for ${epochs} epochs` });
    const result = await train(engine, { spec, theta: initParameters(spec, seed) }, parts.train, {
      epochs, optimizer: src.optimizer, lr: src.lr, batchSize: src.batchSize, seed, signal,
      ...(validation ? { validation, evaluateEvery: Math.max(1, Math.round(epochs / 100)) } : {}),
      onProgress: (p) => post({ type: 'train-progress', phase: 'train', phaseIndex: 0, phases: 1, epoch: p.epoch, epochs: p.epochs, loss: p.loss, ...(p.fullLoss !== undefined ? { fullLoss: p.fullLoss } : {}), ...(p.valLoss !== undefined ? { valLoss: p.valLoss } : {}) }),
    });
    model = result.model;
    const counts = { train: parts.train.n, test: parts.test?.n ?? 0, val: parts.val?.n ?? 0, seed };
    const base = await analyze(engine, { model, data: { train: parts.train, test: parts.test, val: parts.val, name: src.name, split: counts }, seed, top, gridRes, dense: pageDense(model), signal, onProgress: onStage });
    report = Object.freeze({
      ...base,
      model: { ...base.model, source: `trained in the demo (${src.optimizer}, lr ${src.lr}, batch ${src.batchSize}, ${epochs} epochs, seed ${seed})` },
      training: [{ phase: 'train', labels: 'true', record: trainingRecord(result) }],
    });
  }
  const safetensors = saveMlp(model.spec, model.theta, { source: 'hessian-lens demo', settings: JSON.stringify(settings) });
  post({ type: 'result', report, safetensors, seconds: (performance.now() - t0) / 1000 }, [safetensors.buffer as ArrayBuffer]);
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  const fail = (error: unknown): void => {
    if (error instanceof AbortError) post({ type: 'aborted' });
    else post({ type: 'error', name: errorKind(error), message: error instanceof Error ? error.message : String(error) });
  };
  if (msg.type === 'init') init(msg.threads).catch(fail);
  else if (msg.type === 'train') {
    running?.abort();
    run(msg.settings).catch(fail).finally(() => {
      running = null;
    });
  } else if (msg.type === 'abort') running?.abort();
});
