/**
 * The demo page: a form, a live loss curve fed by the analysis worker's progress messages, and
 * the results drawn with the report's own figure code (src/report) — the heat map on a canvas so
 * the eigenvector shown can change instantly. The page never computes: all numbers come from
 * the worker's AnalysisReport, and #lambda1, #G and #margin carry them at full precision in
 * data-value attributes.
 */
import type { AnalysisReport } from '../src/analysis/analyze.js';
import { classColor, DIVERGING_STOPS, SEQUENTIAL_STOPS, classPalette, palette } from '../src/report/colors.js';
import { classBoundarySegments, type Segment } from '../src/report/contour.js';
import { classAlignmentFigure, colorbar, densityFigure, eigenvalueFigure, mapDomain, sub } from '../src/report/figures.js';
import { renderHtmlReport } from '../src/report/html.js';
import { gridImage, rampIndex, toRgba } from '../src/report/raster.js';
import { FIGURE_CSS, fmt, frame, lineChart, svg, type Series } from '../src/report/svg.js';
import type { DemoSettings, DemoSource, FromWorker, PresetInfo, ToWorker } from './protocol.js';

// The figures' CSS comes from the report module, so the page and the report draw them alike.
const figureStyle = document.createElement('style');
figureStyle.textContent = FIGURE_CSS;
document.head.append(figureStyle);

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

const worker = new Worker(new URL('./analysis-worker.js', import.meta.url), { type: 'module', name: 'hessian-lens analysis' });
const send = (m: ToWorker): void => worker.postMessage(m);

let presets: readonly PresetInfo[] = [];
let report: AnalysisReport | null = null;
let modelBytes: Uint8Array | null = null;
let boundary: Segment[] = [];
let training = false;

// --- status and live loss --------------------------------------------------------------------

function status(text: string, fraction?: number, error = false): void {
  const t = $('status-text');
  t.textContent = text;
  t.classList.toggle('error', error);
  const bar = $<HTMLProgressElement>('progress');
  if (fraction === undefined) bar.removeAttribute('value');
  else bar.value = Math.min(1, Math.max(0, fraction));
}

interface Live {
  batch: [number[], number[]];
  full: [number[], number[]];
  val: [number[], number[]];
  /** running phase and the epoch its curve starts after */
  phase: number;
  offset: number;
  lastDraw: number;
}
let live: Live = newLive();
/** what the empty loss chart says */
let lossEmpty = 'press Train';

function newLive(): Live {
  return { batch: [[], []], full: [[], []], val: [[], []], phase: 0, offset: 0, lastDraw: 0 };
}

function drawLoss(force = false): void {
  const now = performance.now();
  if (!force && now - live.lastDraw < 120) return;
  live.lastDraw = now;
  const series: Series[] = [{ name: 'mini-batch mean', x: live.batch[0], y: live.batch[1], color: '#95a5a6', width: 1.2 }];
  if (live.full[0].length) series.push({ name: 'whole training set', x: live.full[0], y: live.full[1], color: '#2c3e50' });
  if (live.val[0].length) series.push({ name: 'validation set', x: live.val[0], y: live.val[1], color: '#e67e22', dash: '5 3' });
  $('loss-chart').innerHTML = lineChart({ id: 'fig-live-loss', title: 'Training loss per epoch (live)', series, xLabel: 'epoch', yLabel: 'cross-entropy (log scale)', logY: true, width: 420, height: 260, legend: live.batch[0].length > 0, emptyText: lossEmpty });
}

function onTrainProgress(m: Extract<FromWorker, { type: 'train-progress' }>): void {
  document.body.dataset.progressEvents = String(Number(document.body.dataset.progressEvents ?? 0) + 1);
  if (m.phaseIndex !== live.phase) {
    live.phase = m.phaseIndex;
    live.offset = live.batch[0].length ? live.batch[0][live.batch[0].length - 1]! : 0;
  }
  const x = live.offset + m.epoch;
  live.batch[0].push(x);
  live.batch[1].push(m.loss);
  if (m.fullLoss !== undefined) { live.full[0].push(x); live.full[1].push(m.fullLoss); }
  if (m.valLoss !== undefined) { live.val[0].push(x); live.val[1].push(m.valLoss); }
  status(`training${m.phases > 1 ? ` (${m.phase}, phase ${m.phaseIndex + 1}/${m.phases})` : ''}: epoch ${m.epoch}/${m.epochs}, loss ${fmt(m.loss, 4)}`, 0.6 * ((m.phaseIndex + m.epoch / m.epochs) / m.phases));
  drawLoss();
}

const STAGE_SHARE: Record<string, [number, number]> = {
  evaluate: [0.6, 0.61], lanczos: [0.61, 0.7], power: [0.7, 0.72], trace: [0.72, 0.74], density: [0.74, 0.8], dense: [0.8, 0.84],
  alignment: [0.84, 0.86], margin: [0.86, 0.94], jacobian: [0.94, 0.95], grid: [0.95, 1],
};

// --- results ---------------------------------------------------------------------------------

function setNumber(id: string, value: number | null | undefined, digits = 6, suffix = ''): void {
  const el = $(id);
  if (value === null || value === undefined) {
    el.textContent = '–';
    el.removeAttribute('data-value');
    return;
  }
  el.textContent = `${fmt(value, digits)}${suffix}`;
  el.dataset.value = String(value);
  el.title = String(value);
}

function showResult(r: AnalysisReport, seconds: number): void {
  report = r;
  setNumber('lambda1', r.spectrum.eigenvalues[0]);
  setNumber('G', r.generalization.topK.G, 4);
  setNumber('margin', r.margin?.margin ?? null);
  setNumber('lambda-max', r.spectrum.lambdaMax.value);
  const trace = $('trace');
  setNumber('trace', r.spectrum.trace.estimate, 4);
  trace.textContent += ` ± ${fmt(r.spectrum.trace.stderr, 2)}`;
  setNumber('outliers', r.spectrum.outliers.count);
  setNumber('epsilon', r.generalization.topK.epsilon.value, 4);
  setNumber('jacobian', r.jacobianNorm.mean, 4);
  setNumber('train-accuracy', r.evaluation.train.accuracy, 4);
  setNumber('test-accuracy', r.evaluation.test?.accuracy ?? null, 4);
  $('model-info').textContent = `${r.model.sizes.join('-')} ${r.model.activation}, p = ${r.model.parameters.toLocaleString('en-US')}`;
  $('spectrum').innerHTML = eigenvalueFigure(r);
  $('density').innerHTML = densityFigure(r);
  $('class-alignment').innerHTML = classAlignmentFigure(r);
  const select = $<HTMLSelectElement>('eigenvector');
  select.innerHTML = '';
  const g = r.grid;
  if (g) {
    g.alignment.forEach((_, i) => select.add(new Option(`A${sub(i + 1)}(x), λ${sub(i + 1)} = ${fmt(g.eigenvalues?.[i] ?? r.spectrum.eigenvalues[i], 3)}`, `a${i}`)));
    if (g.boundary) select.add(new Option('reconstructed boundary R(x)', 'boundary'));
    select.add(new Option('predicted classes', 'classes'));
    boundary = classBoundarySegments(g, g.predicted, r.data.classes);
  }
  $('results').hidden = false;
  drawMap();
  // replace the live curve by the recorded one (every epoch, whole-set evaluations)
  live = newLive();
  let offset = 0;
  for (const ph of r.training ?? []) {
    const c = ph.record.curve;
    c.epoch.forEach((e, i) => { live.batch[0].push(offset + e); live.batch[1].push(c.loss[i]!); });
    (c.evalEpoch ?? []).forEach((e, i) => {
      if (c.fullLoss) { live.full[0].push(offset + e); live.full[1].push(c.fullLoss[i]!); }
      if (c.valLoss) { live.val[0].push(offset + e); live.val[1].push(c.valLoss[i]!); }
    });
    offset += c.epoch[c.epoch.length - 1] ?? 0;
  }
  drawLoss(true);
  status(`done in ${seconds.toFixed(1)} s: λ₁ = ${fmt(r.spectrum.eigenvalues[0], 4)}, G = ${fmt(r.generalization.topK.G, 3)}, margin = ${fmt(r.margin?.margin, 4)}`, 1);
  document.body.dataset.state = 'done';
}

const MEASURE_IDS = ['lambda1', 'G', 'margin', 'lambda-max', 'trace', 'outliers', 'epsilon', 'jacobian', 'train-accuracy', 'test-accuracy'];

/**
 * Forgets the run on show — loss curve, measures, maps, exports — when a new run starts, when a
 * run is stopped (its partial curve would pass for a result) and when another data set is chosen
 * (the old curve and maps would no longer describe the form).
 */
function clearResults(emptyText: string): void {
  report = null;
  modelBytes = null;
  boundary = [];
  for (const id of MEASURE_IDS) setNumber(id, null);
  $('model-info').textContent = '–';
  $('results').hidden = true;
  live = newLive();
  lossEmpty = emptyText;
  drawLoss(true);
}

/** Draws the selected map on the canvas, with the boundary, the points and the margin. */
function drawMap(): void {
  const r = report;
  const g = r?.grid;
  const wrap = $('map-wrap');
  const canvas = $<HTMLCanvasElement>('heatmap');
  if (!r || !g) {
    wrap.querySelector('svg')?.remove();
    canvas.width = 0;
    $('map-caption').textContent = r ? `The data have ${r.data.d} features: maps need 2-D inputs.` : '';
    return;
  }
  const choice = $<HTMLSelectElement>('eigenvector').value || 'a0';
  const dom = mapDomain(g);
  let cbar: { stops: typeof DIVERGING_STOPS; lo: number; hi: number; label: string } | null = null;
  let image;
  if (choice === 'classes') {
    image = gridImage(g.predicted, g.res, (c) => c, classPalette());
  } else if (choice === 'boundary') {
    const lo = Math.min(0, ...g.boundary!.filter(Number.isFinite));
    image = gridImage(g.boundary!, g.res, rampIndex(lo, 1), palette(SEQUENTIAL_STOPS));
    cbar = { stops: SEQUENTIAL_STOPS, lo, hi: 1, label: 'R(x)' };
  } else {
    const i = Number(choice.slice(1));
    image = gridImage(g.alignment[i]!, g.res, rampIndex(-1, 1), palette(DIVERGING_STOPS));
    cbar = { stops: DIVERGING_STOPS, lo: -1, hi: 1, label: `A${sub(i + 1)}(x)` };
  }
  const f = frame('heatmap-axes', { width: 500, height: 440, margins: { left: 48, right: 70, top: 10, bottom: 42 }, grid: false, x: { domain: dom.x, label: 'x₁ (input feature 1)' }, y: { domain: dom.y, label: 'x₂ (input feature 2)' } });
  let body = f.axes;
  let defs = '';
  if (cbar) {
    const cb = colorbar(f.right + 8, f.top, f.bottom, cbar.stops, cbar.lo, cbar.hi, cbar.label, 'grad-heatmap');
    body += cb.body;
    defs = cb.defs;
  }
  wrap.querySelector('svg')?.remove();
  wrap.insertAdjacentHTML('afterbegin', svg('heatmap-axes', f.width, f.height, 'axes of the heat map', body, defs));
  wrap.style.width = `${f.width}px`;
  wrap.style.height = `${f.height}px`;
  const w = Math.round(f.right - f.left);
  const h = Math.round(f.bottom - f.top);
  canvas.width = w;
  canvas.height = h;
  canvas.style.left = `${f.left}px`;
  canvas.style.top = `${f.top}px`;
  const ctx = canvas.getContext('2d')!;
  const small = document.createElement('canvas');
  small.width = image.width;
  small.height = image.height;
  small.getContext('2d')!.putImageData(new ImageData(toRgba(image), image.width, image.height), 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(small, 0, 0, w, h);
  const X = (v: number): number => f.x(v) - f.left;
  const Y = (v: number): number => f.y(v) - f.top;
  ctx.lineCap = 'round';
  ctx.strokeStyle = choice === 'boundary' ? '#fff' : '#111';
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  for (const s of boundary) {
    ctx.moveTo(X(s[0]), Y(s[1]));
    ctx.lineTo(X(s[2]), Y(s[3]));
  }
  ctx.stroke();
  const pts = r.data.points;
  if (pts) {
    ctx.lineWidth = 0.7;
    ctx.strokeStyle = '#222';
    pts.x.forEach((p, i) => {
      const c = pts.y[i]!;
      const x = X(p[0]!);
      const y = Y(p[1]!);
      ctx.fillStyle = classColor(c);
      ctx.beginPath();
      if (c % 4 === 0) ctx.arc(x, y, 3, 0, 2 * Math.PI);
      else if (c % 4 === 1) ctx.rect(x - 2.7, y - 2.7, 5.4, 5.4);
      else if (c % 4 === 2) { ctx.moveTo(x, y - 3.6); ctx.lineTo(x + 3.3, y + 2.4); ctx.lineTo(x - 3.3, y + 2.4); ctx.closePath(); }
      else { ctx.moveTo(x, y - 3.8); ctx.lineTo(x + 3.3, y); ctx.lineTo(x, y + 3.8); ctx.lineTo(x - 3.3, y); ctx.closePath(); }
      ctx.fill();
      ctx.stroke();
    });
  }
  const mg = r.margin;
  if (mg && $<HTMLInputElement>('show-margin').checked) {
    const b = [X(mg.xb[0]!), Y(mg.xb[1]!)];
    const tmax = [X(mg.xtMax.x[0]!), Y(mg.xtMax.x[1]!)];
    const tmin = [X(mg.xtMin.x[0]!), Y(mg.xtMin.x[1]!)];
    const near = mg.distanceToMax <= mg.distanceToMin ? tmax : tmin;
    const far = near === tmax ? tmin : tmax;
    ctx.strokeStyle = '#000';
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1.2;
    ctx.beginPath(); ctx.moveTo(b[0]!, b[1]!); ctx.lineTo(far[0]!, far[1]!); ctx.stroke();
    ctx.setLineDash([]);
    ctx.lineWidth = 2.4;
    ctx.beginPath(); ctx.moveTo(b[0]!, b[1]!); ctx.lineTo(near[0]!, near[1]!); ctx.stroke();
    const tri = (p: number[], up: boolean): void => {
      const s = up ? 1 : -1;
      ctx.beginPath(); ctx.moveTo(p[0]!, p[1]! - s * 7); ctx.lineTo(p[0]! + 6, p[1]! + s * 4.2); ctx.lineTo(p[0]! - 6, p[1]! + s * 4.2); ctx.closePath();
      ctx.fillStyle = '#fff'; ctx.fill(); ctx.lineWidth = 1; ctx.stroke();
    };
    tri(tmax, true);
    tri(tmin, false);
    ctx.beginPath();
    for (let k = 0; k < 10; k++) {
      const a = -Math.PI / 2 + (k * Math.PI) / 5;
      const rr = k % 2 === 0 ? 8 : 3.6;
      ctx.lineTo(b[0]! + rr * Math.cos(a), b[1]! + rr * Math.sin(a));
    }
    ctx.closePath();
    ctx.fillStyle = '#ffd700'; ctx.fill(); ctx.lineWidth = 1; ctx.stroke();
    ctx.font = '600 11px system-ui, sans-serif';
    ctx.lineWidth = 3; ctx.strokeStyle = '#fff';
    const tx = (b[0]! + near[0]!) / 2 + 6;
    const ty = (b[1]! + near[1]!) / 2 - 6;
    ctx.strokeText(`margin ${fmt(mg.margin, 3)}`, tx, ty);
    ctx.fillStyle = '#000';
    ctx.fillText(`margin ${fmt(mg.margin, 3)}`, tx, ty);
  }
  const what = choice === 'classes' ? 'predicted classes' : choice === 'boundary' ? `reconstructed boundary R(x) (${g.reconstruction})` : `alignment A${sub(Number(choice.slice(1)) + 1)}(x) = cos(g(x), v${sub(Number(choice.slice(1)) + 1)})`;
  $('map-caption').textContent = `${what} on a ${g.res}×${g.res} grid; black line: predicted decision boundary; markers: training points by class${mg ? `; ★ x_b, ▲ x_t^max, ▼ x_t^min, solid segment: the margin ${fmt(mg.margin, 4)}` : ''}.`;
}

// --- form ------------------------------------------------------------------------------------

function fillForm(m: Extract<FromWorker, { type: 'ready' }>): void {
  presets = m.presets;
  const source = $<HTMLSelectElement>('source');
  if (source.options.length === 0) {
    const pg = document.createElement('optgroup');
    pg.label = 'presets (the paper\'s experiments)';
    for (const p of m.presets) pg.append(new Option(p.name, `preset:${p.name}`));
    const dg = document.createElement('optgroup');
    dg.label = '2-D datasets (your network)';
    for (const d of m.datasets) dg.append(new Option(d, `data:${d}`));
    source.append(pg, dg);
    source.value = 'preset:gauss-normal';
    const act = $<HTMLSelectElement>('activation');
    // relu is the toy sets' default activation (see resetNetwork)
    for (const a of m.activations) act.add(new Option(a, a, a === 'relu', a === 'relu'));
  }
  syncForm();
}

/** The source the form was last synced to ('preset' or 'data'). */
let formKind = '';

/**
 * Puts the network and optimizer fields back to the page's defaults for a toy set (the values
 * index.html writes, relu): a preset fills them with its own, which a toy set must not inherit.
 */
function resetNetwork(): void {
  for (const el of $('custom').querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) {
    if (el instanceof HTMLInputElement) el.value = el.defaultValue;
    else el.value = [...el.options].find((o) => o.defaultSelected)?.value ?? el.options[0]?.value ?? '';
  }
}

function syncForm(): void {
  const [kind, name] = $<HTMLSelectElement>('source').value.split(':') as [string, string];
  const isPreset = kind === 'preset';
  if (!isPreset && formKind === 'preset') resetNetwork();
  formKind = kind;
  $('budget-row').hidden = !isPreset;
  ($('data-fields') as HTMLFieldSetElement).disabled = training;
  ($('custom') as HTMLFieldSetElement).disabled = isPreset || training;
  const p = presets.find((x) => x.name === name);
  if (isPreset && p) {
    $<HTMLInputElement>('hidden').value = p.sizes.slice(1, -1).join(', ');
    $<HTMLSelectElement>('activation').value = p.activation;
    $<HTMLSelectElement>('optimizer').value = 'sgd';
    $<HTMLInputElement>('lr').value = String(p.lr);
    $<HTMLInputElement>('batch').value = String(p.batchSize === 'full' ? '' : p.batchSize);
    const budget = Number($<HTMLInputElement>('budget').value) || 0;
    $<HTMLInputElement>('epochs').value = String(Math.max(1, Math.round(p.epochs * budget)));
    $('source-hint').textContent = `${p.description}. Budget b runs round(b × epochs) of every phase.`;
  } else {
    $('source-hint').textContent = `Toy set "${name}" with the paper's split; choose the network and optimizer below.`;
  }
}

function readSettings(): DemoSettings {
  const [kind, name] = $<HTMLSelectElement>('source').value.split(':') as [string, string];
  const number = (id: string): number => Number($<HTMLInputElement>(id).value);
  let source: DemoSource;
  if (kind === 'preset') source = { kind: 'preset', name, budget: number('budget') };
  else {
    const hidden = $<HTMLInputElement>('hidden').value.split(/[\s,]+/).filter(Boolean).map(Number);
    if (hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new Error('hidden widths must be positive integers, e.g. "30, 30"');
    source = {
      kind: 'data', name, hidden, activation: $<HTMLSelectElement>('activation').value,
      optimizer: $<HTMLSelectElement>('optimizer').value as 'sgd' | 'adam', lr: number('lr'), epochs: number('epochs'), batchSize: number('batch'),
    };
  }
  return { source, seed: number('seed'), top: number('top'), gridRes: number('grid-res') };
}

function setTraining(on: boolean): void {
  training = on;
  $<HTMLButtonElement>('train').disabled = on;
  $<HTMLButtonElement>('stop').disabled = !on;
  for (const id of ['export-json', 'export-model', 'export-report']) $<HTMLButtonElement>(id).disabled = on || !report;
  document.body.dataset.state = on ? 'training' : report ? 'done' : 'ready';
  syncForm();
}

function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 2000);
}

function stem(): string {
  return (report?.data.name ?? 'analysis').replace(/\s*\(.*$/, '').replace(/[^\w.-]+/g, '-');
}

$('settings').addEventListener('submit', (event) => {
  event.preventDefault();
  let settings: DemoSettings;
  try {
    settings = readSettings();
  } catch (e) {
    status((e as Error).message, 0, true);
    return;
  }
  clearResults('training…');
  document.body.dataset.progressEvents = '0';
  setTraining(true);
  status('training…', 0);
  send({ type: 'train', settings });
});
$('stop').addEventListener('click', () => send({ type: 'abort' }));
$('source').addEventListener('change', () => {
  syncForm();
  if (report || live.batch[0].length) {
    clearResults('press Train');
    setTraining(false);
    status('another data set: press Train', 0);
  }
});
$('budget').addEventListener('input', syncForm);
$('eigenvector').addEventListener('change', drawMap);
$('show-margin').addEventListener('change', drawMap);
$('export-json').addEventListener('click', () => report && download(`${stem()}.analysis.json`, JSON.stringify(report, null, 1), 'application/json'));
$('export-model').addEventListener('click', () => modelBytes && download(`${stem()}.safetensors`, modelBytes as Uint8Array<ArrayBuffer>, 'application/octet-stream'));
$('export-report').addEventListener('click', () => report && download(`${stem()}.report.html`, renderHtmlReport(report, { generator: 'hessian-lens playground' }), 'text/html'));

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready':
      fillForm(m);
      setTraining(false);
      status(`ready: ${m.build} kernels, analysis worker${m.poolWorkers ? ` + a pool of ${m.poolWorkers} workers` : ''}`, 0);
      document.body.dataset.poolWorkers = String(m.poolWorkers);
      break;
    case 'train-progress':
      onTrainProgress(m);
      break;
    case 'stage': {
      const [a, b] = STAGE_SHARE[m.stage] ?? [0.6, 0.6];
      status(`${m.stage}${m.detail ? `: ${m.detail}` : ''}`, m.stage === 'train' ? 0 : a + (b - a) * (m.fraction ?? 0));
      break;
    }
    case 'result':
      modelBytes = m.safetensors;
      setTraining(false);
      showResult(m.report, m.seconds);
      setTraining(false);
      break;
    case 'aborted':
      clearResults('stopped: press Train to start again');
      setTraining(false);
      status('stopped', 0);
      break;
    case 'error':
      setTraining(false);
      status(`${m.name}: ${m.message}`, 0, true);
      document.body.dataset.state = 'error';
      break;
  }
});
worker.addEventListener('error', (event) => {
  event.preventDefault();
  status(`the analysis worker failed to start: ${event.message || 'see the console'}`, 0, true);
  document.body.dataset.state = 'error';
});

drawLoss(true);
send({ type: 'init', threads: Math.min(4, Math.max(1, navigator.hardwareConcurrency || 1)) });
