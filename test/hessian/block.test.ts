/**
 * src/hessian/block.ts: parameter names as PyTorch's nn.Sequential gives them, blocks by name or by
 * layer, the refusal of an unknown name (listing the model's names), and the block operator
 * against the submatrix of an explicit matrix and of the float64 reference Hessian (itself
 * checked against central differences in test/reference/mlp.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../src/data/dataset.js';
import { createEngine } from '../../src/engine/engine.js';
import { InputError } from '../../src/errors.js';
import { blockOperator, layerBlocks, parameterBlock, parameterTensors } from '../../src/hessian/block.js';
import { denseOperator } from '../../src/hessian/operator.js';
import { initParameters, mlpSpec } from '../../src/model/mlp.js';
import { gaussianVector, Rng } from '../../src/model/rng.js';
import { referenceHessian } from '../../src/reference/mlp.js';

const spec = mlpSpec([2, 3, 4], 'tanh'); // p = 6 + 3 + 12 + 4 = 25

describe('parameter blocks', () => {
  it('names the tensors as PyTorch does and selects blocks by name, by layer and whole', () => {
    expect(parameterTensors(spec).map((t) => [t.name, t.offset, t.size, t.layer])).toEqual([
      ['0.weight', 0, 6, 0], ['0.bias', 6, 3, 0], ['2.weight', 9, 12, 1], ['2.bias', 21, 4, 1],
    ]);
    const b = parameterBlock(spec, '2.bias, 0.bias');
    expect(b.tensors).toEqual(['0.bias', '2.bias']);
    expect(Array.from(b.indices)).toEqual([6, 7, 8, 21, 22, 23, 24]);
    expect(Array.from(parameterBlock(spec, 'layer:1').indices)).toEqual(Array.from({ length: 16 }, (_, i) => 9 + i));
    expect(parameterBlock(spec, 'all').indices).toHaveLength(25);
    expect(layerBlocks(spec).map((x) => x.indices.length)).toEqual([9, 16]);
  });

  it('refuses an unknown name, layer or a repeat, listing the model\'s parameter names', () => {
    expect(() => parameterBlock(spec, '1.weight')).toThrow(InputError);
    expect(() => parameterBlock(spec, '1.weight')).toThrow("block '1.weight': no parameter named '1.weight'; the model's parameters are 0.weight, 0.bias, 2.weight, 2.bias (layer:0 … layer:1, or all)");
    expect(() => parameterBlock(spec, 'layer:2')).toThrow(/no such layer/);
    expect(() => parameterBlock(spec, '0.bias,0.bias')).toThrow(/twice/);
    expect(() => parameterBlock(spec, ' , ')).toThrow(/names no parameters/);
  });

  it('the block operator is the submatrix M_BB of an explicit matrix', async () => {
    const n = 9;
    const rng = new Rng(2);
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = rng.normal();
    const idx = Int32Array.from([1, 4, 5, 8]);
    const op = blockOperator(denseOperator(A, n), { indices: idx });
    const u = Float64Array.from([0.5, -1, 2, 3]);
    const out = new Float64Array(4);
    await op.matvec(u, out);
    for (let a = 0; a < 4; a++) {
      let s = 0;
      for (let b = 0; b < 4; b++) s += A[idx[a]! * n + idx[b]!]! * u[b]!;
      expect(out[a]).toBeCloseTo(s, 14);
    }
    expect(op.size).toBe(4);
    expect(op.matvecs).toBe(1);
    expect(() => blockOperator(denseOperator(A, n), { indices: Int32Array.from([3, 2]) })).toThrow(/ascending/);
  });

  it('a layer block of the session Hessian is the float64 reference Hessian\'s submatrix', async () => {
    const engine = await createEngine({ threads: 1 });
    const theta = initParameters(spec, 3);
    const rng = new Rng(5);
    const data = makeDataset(Float32Array.from({ length: 2 * 30 }, () => rng.normal()), Int32Array.from({ length: 30 }, (_, i) => i % 4), 2, 4);
    const session = await engine.session({ spec, theta }, data, { precision: 'f64' });
    const H = referenceHessian(spec, theta, data);
    for (const block of layerBlocks(spec)) {
      const op = blockOperator(session.hessian(), block);
      const u = gaussianVector(7, block.indices.length);
      const out = new Float64Array(u.length);
      await op.matvec(u, out);
      const idx = block.indices;
      for (let a = 0; a < idx.length; a++) {
        let s = 0;
        for (let b = 0; b < idx.length; b++) s += H[idx[a]! * 25 + idx[b]!]! * u[b]!;
        expect(Math.abs(out[a]! - s)).toBeLessThan(1e-9 * (1 + Math.abs(s)));
      }
    }
    await session.close();
    await engine.close();
  });
});
