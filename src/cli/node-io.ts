/**
 * File access for the CLI (Node only): read a model, a dataset or a vector, with errors that
 * name the file.
 */
import { access, constants, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { parseCsv } from '../io/csv.js';
import { loadMlp, readSafetensors } from '../io/safetensors.js';
import type { Activation } from '../model/mlp.js';
import type { Model } from '../engine/engine.js';

/** Reads a file's bytes; a missing or unreadable file is an {@link InputError} naming it. */
export async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : cause instanceof Error ? cause.message : String(cause);
    throw new InputError(`cannot read ${what} '${path}': ${reason}`);
  }
}

/** Reads a safetensors model. */
export async function readModel(path: string, activation?: Activation): Promise<Model> {
  const bytes = await readBytes(path, 'model');
  const loaded = loadMlp(bytes, { source: path, ...(activation ? { activation } : {}) });
  return { spec: loaded.spec, theta: loaded.theta };
}

/**
 * Reads a CSV dataset, checked against the model's input width and classes when given, else
 * against `like` (a held-out file must have the training file's columns and labels).
 */
export async function readData(path: string, model?: Model, like?: { readonly features: number; readonly classes: number }): Promise<Dataset> {
  const text = new TextDecoder().decode(await readBytes(path, 'data'));
  const sizes = model?.spec.sizes;
  const shape = sizes ? { features: sizes[0]!, classes: sizes[sizes.length - 1]! } : like;
  return parseCsv(text, { source: path, ...(shape ? { expectFeatures: shape.features, classes: shape.classes } : {}) });
}

/**
 * Reads row `k` (1-based: 1 is the top eigenvector) of the F32/F64 tensor `eigenvectors` [K, p]
 * that `spectrum --save-eigenvectors` writes, with its eigenvalue from the metadata when present.
 */
export async function readEigenvector(path: string, k: number, p: number): Promise<{ v: Float64Array; eigenvalue: number | null; of: number }> {
  const file = readSafetensors(await readBytes(path, 'eigenvectors'), path);
  const t = file.tensors.get('eigenvectors');
  if (!t || t.shape.length !== 2) throw new InputError(`${path}: no 2-D tensor 'eigenvectors' [k, p] (write one with: hessian-lens spectrum --save-eigenvectors ${path})`);
  const [rows, cols] = t.shape as [number, number];
  if (cols !== p) throw new InputError(`${path}: the eigenvectors have ${cols} entries, but the model has p = ${p} parameters`);
  if (k > rows) throw new InputError(`${path}: --eigenvector ${k} asks for row ${k}, but the file holds ${rows} eigenvector${rows === 1 ? '' : 's'} (1..${rows})`);
  const v = Float64Array.from(t.data.subarray((k - 1) * p, k * p) as ArrayLike<number>);
  let eigenvalue: number | null = null;
  try {
    const values = JSON.parse(file.metadata.eigenvalues ?? 'null') as unknown;
    if (Array.isArray(values) && typeof values[k - 1] === 'number') eigenvalue = values[k - 1] as number;
  } catch {
    // metadata without eigenvalues: the product still runs
  }
  return { v, eigenvalue, of: rows };
}

/** Reads and parses a JSON file; bad JSON is an {@link InputError} naming the file. */
export async function readJson(path: string, what: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readBytes(path, what));
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new InputError(`${path}: not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`);
  }
}

/** Reads a JSON array of finite numbers (a vector in PyTorch parameter order). */
export async function readVector(path: string, expectedLength: number): Promise<Float64Array> {
  const value = await readJson(path, 'vector');
  if (!Array.isArray(value)) throw new InputError(`${path}: expected a JSON array of ${expectedLength} numbers, got ${typeof value}`);
  if (value.length !== expectedLength) {
    throw new InputError(`${path}: the vector has ${value.length} entries, but the model has p = ${expectedLength} parameters`);
  }
  const out = new Float64Array(expectedLength);
  value.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(`${path}: entry ${i} is ${typeof x === 'number' ? String(x) : JSON.stringify(x)} (expected a finite number)`);
    out[i] = x;
  });
  return out;
}

/** Why `path` cannot be written, from a failed write's error code (or its message). */
function writeReason(cause: unknown, path: string): string {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `the folder '${dirname(resolve(path))}' does not exist`;
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device';
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * Checks, before any work, that `path` can be written as an output file: its folder exists and is
 * writable, and the path is not a folder. A run that would fail only at its end, after minutes of
 * training and analysis, fails at once instead ({@link InputError} naming the option and path).
 */
export async function checkWritable(path: string, what: string): Promise<void> {
  const folder = dirname(resolve(path));
  let reason: string | null = null;
  try {
    if (!(await stat(folder)).isDirectory()) reason = `'${folder}' is not a folder`;
    else if ((await stat(path).catch(() => null))?.isDirectory()) reason = 'it is a folder';
    else await access(folder, constants.W_OK);
  } catch (cause) {
    reason = writeReason(cause, path);
  }
  if (reason) throw new InputError(`cannot write ${what} '${path}': ${reason}`);
}

/** Writes an output file (text or bytes); a failed write is an {@link InputError} naming the file and the reason. */
export async function writeOutput(path: string, data: string | Uint8Array, what = 'output'): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (cause) {
    throw new InputError(`cannot write ${what} '${path}': ${writeReason(cause, path)}`);
  }
}
