/**
 * File access for the CLI (Node only): read a model, a dataset or a vector, with errors that
 * name the file.
 */
import { access, chmod, constants, lstat, readFile, readlink, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { UsageError } from './args.js';
import type { Dataset } from '../data/dataset.js';
import { decodeCsv, parseCsv } from '../io/csv.js';
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
  const text = decodeCsv(await readBytes(path, 'data'), path);
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

/** One file a command reads or writes, and the option that names it (for messages). */
export interface FileOption {
  /** e.g. `--data`, `--out`, or `R.json` for a positional argument */
  readonly option: string;
  readonly path: string;
}

/**
 * Where a path really leads: an existing file through {@link realpath} (symlinks and `..` resolved),
 * a new one as its resolved folder plus its name (so `./r.json` and `out/../r.json` meet).
 */
export async function realTarget(path: string): Promise<string> {
  const full = resolve(path);
  try {
    return await realpath(full);
  } catch {
    try {
      return join(await realpath(dirname(full)), basename(full));
    } catch {
      return full;
    }
  }
}

/**
 * Refuses, before any work, an output that would overwrite an input or another output: same real
 * path, compared after resolving symlinks. A {@link UsageError} (exit 2) naming both options and
 * the file. Inputs that do not exist are skipped: they fail on reading (or are names, `--data gauss`).
 */
export async function checkDistinct(inputs: readonly FileOption[], outputs: readonly FileOption[]): Promise<void> {
  const seen: { option: string; path: string; target: string; input: boolean }[] = [];
  for (const input of inputs) {
    if ((await stat(input.path).catch(() => null))?.isFile()) seen.push({ ...input, target: await realTarget(input.path), input: true });
  }
  for (const output of outputs) {
    const target = await realTarget(output.path);
    const clash = seen.find((s) => s.target === target);
    if (clash) {
      const same = clash.path === output.path ? `'${output.path}'` : `'${output.path}' (${output.option}) and '${clash.path}' (${clash.option}), both '${target}'`;
      throw new UsageError(clash.input
        ? `${output.option} and ${clash.option} name the same file ${same}: writing it would destroy the input; choose another ${output.option} path`
        : `${output.option} and ${clash.option} name the same file ${same}: one would overwrite the other; choose two paths`);
    }
    seen.push({ ...output, target, input: false });
  }
}

/** How an output file's writing went, for the one line the CLI prints when it replaced something. */
export interface WriteOutcome {
  /** what stood at the path before: nothing, a file (now replaced), or a symlink (replaced; its target untouched) */
  readonly replaced: null | { readonly kind: 'file' } | { readonly kind: 'symlink'; readonly target: string };
}

/** The file operations {@link writeOutput} uses; tests pass failing ones. */
export interface WriteFs {
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

const NODE_FS: WriteFs = { writeFile: (path, data) => writeFile(path, data), rename };

/** The temporary file an output is written to before it is renamed into place (same folder, so the rename is atomic). */
export function temporaryPath(path: string): string {
  return join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);
}

/**
 * Writes an output file (text or bytes) atomically: to {@link temporaryPath} in the same folder,
 * then renamed over `path`, so a failed write (a full disk, Ctrl-C) leaves the old file as it was
 * and never a truncated one. A symlink at `path` is replaced, not followed (its target stays as
 * it was). A failure is an {@link InputError} naming the file, the reason and that the old file is kept.
 */
export async function writeOutput(path: string, data: string | Uint8Array, what = 'output', fs: WriteFs = NODE_FS): Promise<WriteOutcome> {
  const before = await lstat(path).catch(() => null);
  const replaced: WriteOutcome['replaced'] = !before ? null
    : before.isSymbolicLink() ? { kind: 'symlink', target: await readlink(path).catch(() => '?') } : { kind: 'file' };
  const temp = temporaryPath(path);
  const kept = before ? `; '${path}' is unchanged` : '';
  try {
    await fs.writeFile(temp, data);
    // a replaced file keeps its permissions (a new one gets the umask's)
    if (before?.isFile()) await chmod(temp, before.mode & 0o7777).catch(() => {});
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    // a folder in the temporary file's place is not ours to remove
    if (code !== 'EISDIR') await rm(temp, { force: true }).catch(() => {});
    const reason = code === 'EISDIR' ? `the temporary file '${temp}' is a folder` : writeReason(cause, path);
    throw new InputError(`cannot write ${what} '${path}': ${reason}${kept}`);
  }
  try {
    await fs.rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => {});
    throw new InputError(`cannot write ${what} '${path}': ${writeReason(cause, path)}${kept}`);
  }
  return { replaced };
}
