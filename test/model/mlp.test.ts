/**
 * The MLP spec and its parameter layout (src/model/mlp.ts): PyTorch's `nn.Sequential(Linear, …)
 * .parameters()` order, written out by hand for a 2-3-4 net (weight [out, in] row-major, then
 * bias, layer by layer), PyTorch's default init bounds U(−1/√fan_in, 1/√fan_in) per layer, and
 * an error naming the field for each malformed spec.
 */
import { describe, expect, it } from 'vitest';
import { InputError, ResourceError, ShapeError } from '../../src/errors.js';
import { ACTIVATIONS, checkParameters, initParameters, layerSlices, mlpSpec, parameterCount, type Activation } from '../../src/model/mlp.js';

describe('mlpSpec and the parameter layout', () => {
  it('2-3-4: p = 2·3 + 3 + 3·4 + 4 = 25, layers in PyTorch order', () => {
    const spec = mlpSpec([2, 3, 4], 'tanh');
    expect(spec).toEqual({ sizes: [2, 3, 4], activation: 'tanh' });
    expect(Object.isFrozen(spec) && Object.isFrozen(spec.sizes)).toBe(true);
    expect(mlpSpec([2, 3]).activation).toBe('relu');
    expect(parameterCount(spec)).toBe(25);
    expect(layerSlices(spec)).toEqual([
      { inputs: 2, outputs: 3, weight: 0, bias: 6 },
      { inputs: 3, outputs: 4, weight: 9, bias: 21 },
    ]);
    expect([...ACTIVATIONS].sort()).toEqual(['gelu', 'identity', 'relu', 'sigmoid', 'tanh']);
  });

  it('names the bad field of a malformed spec; a model past wasm32\'s 4 GiB is a ResourceError', () => {
    expect(() => mlpSpec([3])).toThrow(new InputError('MLP sizes must list at least an input and an output width, got [3]'));
    expect(() => mlpSpec([3, 0, 2])).toThrow(new InputError('MLP sizes[1] must be a positive integer, got 0'));
    expect(() => mlpSpec([3, 1])).toThrow(new InputError('a classifier needs at least 2 classes, got 1'));
    expect(() => mlpSpec([3, 2], 'swish' as Activation)).toThrow(new InputError("unsupported activation 'swish' (expected one of identity, relu, tanh, sigmoid, gelu)"));
    expect(() => mlpSpec([40_000, 40_000, 2])).toThrow(ResourceError);
    expect(() => mlpSpec([40_000, 40_000, 2])).toThrow(/^a 40000-40000-2 MLP has p = 1,600,120,002 parameters: 6\.0 GiB as f32 alone/);
    expect(() => checkParameters(mlpSpec([2, 3, 4]), new Float32Array(24))).toThrow(new ShapeError('parameter vector has 24 entries, but the 2-3-4 MLP has p = 25 parameters'));
  });
});

describe('initParameters', () => {
  it('draws each layer within ±1/√fan_in, deterministically per seed', () => {
    const spec = mlpSpec([4, 25, 3]);
    const theta = initParameters(spec, 7);
    expect(theta).toBeInstanceOf(Float32Array);
    expect(theta).toHaveLength(parameterCount(spec));
    const [first, second] = layerSlices(spec);
    const within = (from: number, to: number, bound: number): boolean => theta.subarray(from, to).every((t) => Math.abs(t) <= bound);
    expect(within(first!.weight, second!.weight, 1 / 2)).toBe(true); // fan-in 4
    expect(within(second!.weight, theta.length, 1 / 5)).toBe(true); // fan-in 25
    // the first layer's values use the range: some beyond the second layer's bound
    expect(theta.subarray(0, second!.weight).some((t) => Math.abs(t) > 1 / 5)).toBe(true);
    expect(initParameters(spec, 7)).toEqual(theta);
    expect(initParameters(spec, 8)).not.toEqual(theta);
  });
});
