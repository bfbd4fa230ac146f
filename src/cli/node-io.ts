/**
 * File access for the CLI (Node only): read a model, a dataset or a vector, with errors that
 * name the file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { parseCsv } from '../io/csv.js';
import { loadMlp } from '../io/safetensors.js';
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

/** Reads a CSV dataset, checked against the model's input width and classes when given. */
export async function readData(path: string, model?: Model): Promise<Dataset> {
  const text = new TextDecoder().decode(await readBytes(path, 'data'));
  const sizes = model?.spec.sizes;
  return parseCsv(text, {
    source: path,
    ...(sizes ? { expectFeatures: sizes[0]!, classes: sizes[sizes.length - 1]! } : {}),
  });
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

/** Writes text to a file. */
export async function writeText(path: string, text: string): Promise<void> {
  await writeFile(path, text);
}

/** Writes bytes to a file. */
export async function writeBytes(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes);
}
