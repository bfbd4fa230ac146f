/**
 * The CLI's file access (src/cli/node-io.ts) on files made here in a temporary folder: reads whose
 * failures name the file, the check that an output is not an input, and atomic writes that replace
 * a file or a symlink (its target untouched) and leave the old file as it was when a write fails.
 * The expected contents and messages are literals; the file system is read back with node:fs.
 */
import { chmod, lstat, mkdtemp, readFile, readlink, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { checkDistinct, readBytes, readVector, temporaryPath, writeOutput, type WriteFs } from '../../src/cli/node-io.js';
import { InputError } from '../../src/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hl-node-io-'));
});

describe('reading', () => {
  it('a missing file or a folder is an InputError naming it; a vector is checked entry by entry', async () => {
    await expect(readBytes(join(dir, 'none.csv'), 'data')).rejects.toThrow(new InputError(`cannot read data '${join(dir, 'none.csv')}': no such file`));
    await expect(readBytes(dir, 'model')).rejects.toThrow(new InputError(`cannot read model '${dir}': is a directory`));
    const v = join(dir, 'v.json');
    await writeFile(v, '[1, 2.5, -3]');
    expect(Array.from(await readVector(v, 3))).toEqual([1, 2.5, -3]);
    await expect(readVector(v, 4)).rejects.toThrow(`${v}: the vector has 3 entries, but the model has p = 4 parameters`);
    await writeFile(v, '[1, "x"]');
    await expect(readVector(v, 2)).rejects.toThrow(`${v}: entry 1 is "x" (expected a finite number)`);
    await writeFile(v, '[1,');
    await expect(readVector(v, 2)).rejects.toThrow(new RegExp(`^${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  });
});

describe('checkDistinct', () => {
  it('refuses an output that is an input (also through a symlink) or another output, naming both options', async () => {
    const data = join(dir, 'd.csv');
    await writeFile(data, '1,0\n2,1\n');
    const link = join(dir, 'link.csv');
    await symlink(data, link);
    await expect(checkDistinct([{ option: '--data', path: data }], [{ option: '--out', path: data }])).rejects.toThrow(
      new UsageError(`--out and --data name the same file '${data}': writing it would destroy the input; choose another --out path`),
    );
    await expect(checkDistinct([{ option: '--data', path: data }], [{ option: '--out', path: link }])).rejects.toThrow(
      `--out and --data name the same file '${link}' (--out) and '${data}' (--data), both '${await realpath(data)}'`,
    );
    const out = join(dir, 'r.json');
    await expect(checkDistinct([], [{ option: '--out', path: out }, { option: '--report', path: join(dir, 'sub', '..', 'r.json') }])).rejects.toThrow(/one would overwrite the other; choose two paths$/);
    // distinct paths, and an input that does not exist (a name such as --data gauss), pass
    await checkDistinct([{ option: '--data', path: 'gauss' }, { option: '--data', path: data }], [{ option: '--out', path: out }]);
  });
});

describe('writeOutput', () => {
  it('writes through a temporary file in the same folder and says what it replaced', async () => {
    const out = join(dir, 'w.json');
    expect(temporaryPath(out)).toBe(join(dirname(out), `.${basename(out)}.${process.pid}.tmp`));
    expect(await writeOutput(out, 'one\n')).toEqual({ replaced: null });
    expect(await readFile(out, 'utf8')).toBe('one\n');
    await chmod(out, 0o640);
    expect(await writeOutput(out, new Uint8Array([116, 119, 111]))).toEqual({ replaced: { kind: 'file' } });
    expect(await readFile(out, 'utf8')).toBe('two');
    expect((await stat(out)).mode & 0o777).toBe(0o640); // a replaced file keeps its permissions
    await expect(lstat(temporaryPath(out))).rejects.toThrow(/ENOENT/);
  });

  it('replaces a symlink, not its target', async () => {
    const target = join(dir, 'target.txt');
    const link = join(dir, 'link.txt');
    await writeFile(target, 'kept');
    await symlink(target, link);
    expect(await writeOutput(link, 'new')).toEqual({ replaced: { kind: 'symlink', target } });
    expect((await lstat(link)).isSymbolicLink()).toBe(false);
    expect(await readFile(link, 'utf8')).toBe('new');
    expect(await readFile(target, 'utf8')).toBe('kept');
    await expect(readlink(link)).rejects.toThrow();
  });

  it('a failed write or rename leaves the old file as it was and no temporary file', async () => {
    const out = join(dir, 'keep.json');
    await writeFile(out, 'old');
    const enospc = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    const failingWrite: WriteFs = { writeFile: async () => { throw enospc; }, rename: async () => {} };
    await expect(writeOutput(out, 'new', 'the result', failingWrite)).rejects.toThrow(
      new InputError(`cannot write the result '${out}': no space left on the device; '${out}' is unchanged`),
    );
    const failingRename: WriteFs = { writeFile: (path, data) => writeFile(path, data), rename: async () => { throw Object.assign(new Error('no'), { code: 'EACCES' }); } };
    await expect(writeOutput(out, 'new', 'the result', failingRename)).rejects.toThrow(`cannot write the result '${out}': permission denied; '${out}' is unchanged`);
    expect(await readFile(out, 'utf8')).toBe('old');
    await expect(lstat(temporaryPath(out))).rejects.toThrow(/ENOENT/);
    // a new file in a folder that does not exist: no "unchanged" clause
    const missing = join(dir, 'no-such-folder', 'r.json');
    await expect(writeOutput(missing, 'x')).rejects.toThrow(`cannot write output '${missing}': the folder '${dirname(missing)}' does not exist`);
  });
});
