/**
 * The optimizers (src/train/optimizers.ts).
 *
 * Why the references are independent: the trajectories are compared with numbers computed outside
 * this code base — torch.optim's documented update rules written out as scalar float64 Python (the
 * SGD and Nesterov rows also by hand on paper; see the comments).
 */
import { describe, expect, it } from 'vitest';
import { InputError, ShapeError } from '../../src/errors.js';
import { adam, sgd, type Optimizer } from '../../src/train/index.js';

/** Runs an optimizer for the given gradients from θ0 and returns θ after each step. */
function trajectory(opt: Optimizer, theta0: number[], grads: number[][]): number[][] {
  const theta = Float32Array.from(theta0);
  return grads.map((g) => {
    opt.step(theta, Float64Array.from(g));
    return Array.from(theta);
  });
}

function expectClose(actual: number[][], expected: number[][], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, k) => row.forEach((v, i) => expect(Math.abs(v - expected[k]![i]!)).toBeLessThan(tol * Math.max(1, Math.abs(expected[k]![i]!)))));
}

describe('optimizers follow torch.optim step by step', () => {
  it('SGD with momentum and weight decay', () => {
    // lr 0.1, μ 0.9, wd 0.01, g = (0.5, 0.25) every step, θ0 = (1, −2):
    // 1: d = g + wd·θ = (0.51, 0.23) = v; θ = (0.949, −2.023)
    // 2: d = (0.50949, 0.22977); v = 0.9·v + d = (0.96849, 0.43677); θ = (0.852151, −2.066677)
    // 3: d = (0.50852151, 0.22933323); v = (1.38016251, 0.62242623); θ = (0.714134749, −2.128919623)
    const opt = sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    const g = [0.5, 0.25];
    expectClose(trajectory(opt, [1, -2], [g, g, g]), [
      [0.949, -2.023],
      [0.852151, -2.066677],
      [0.714134749, -2.128919623],
    ]);
    expect(opt.steps).toBe(3);
    expect(opt.config).toEqual({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: false });
  });

  it('SGD with Nesterov momentum', () => {
    // lr 0.1, μ 0.9, θ0 = 0; v₁ = g₁, d = g + μ·v:
    // 1: v = (1, −1), d = (1.9, −1.9), θ = (−0.19, 0.19)
    // 2: v = (1.4, 1.1), d = (1.76, 2.99), θ = (−0.366, −0.109)
    // 3: v = (0.26, 0.99), d = (−0.766, 0.891), θ = (−0.2894, −0.1981)
    const opt = sgd({ lr: 0.1, momentum: 0.9, nesterov: true });
    expectClose(trajectory(opt, [0, 0], [[1, -1], [0.5, 2], [-1, 0]]), [
      [-0.19, 0.19],
      [-0.366, -0.109],
      [-0.2894, -0.1981],
    ]);
  });

  it('plain SGD is θ − lr·g', () => {
    expectClose(trajectory(sgd({ lr: 0.5 }), [1, 2], [[2, -2], [1, 0]]), [[0, 3], [-0.5, 3]]);
  });

  it('Adam with bias correction (and with L2 weight decay)', () => {
    const grads = [[1, -2], [0.5, 1], [-0.25, 0.125]];
    // step 1 is lr·sign(g) up to ε: m̂ = g, ŝ = g²
    expectClose(trajectory(adam({ lr: 0.1 }), [0.5, -0.5], grads), [
      [0.400000001, -0.4000000005],
      [0.3067820382981611, -0.37336629670243154],
      [0.25041590149632964, -0.35637922929587884],
    ]);
    expectClose(trajectory(adam({ lr: 0.1, weightDecay: 0.1 }), [0.5, -0.5], grads), [
      [0.4000000009523809, -0.4000000004878049],
      [0.3063723610659885, -0.37089514609880114],
      [0.24689646781017113, -0.35089525460216986],
    ]);
    expect(adam().config).toEqual({ type: 'adam', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  });

  it('reset() forgets the state; bad hyper-parameters and shapes are typed errors', () => {
    const opt = sgd({ lr: 0.1, momentum: 0.9 });
    const a = trajectory(opt, [0, 0], [[1, -1]]);
    opt.reset();
    expect(trajectory(opt, [0, 0], [[1, -1]])).toEqual(a);
    expect(() => opt.step(new Float32Array(3), new Float64Array(3))).toThrow(ShapeError);
    expect(() => opt.step(new Float32Array(2), new Float64Array(3))).toThrow(ShapeError);
    expect(() => sgd({ lr: -1 })).toThrow(InputError);
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow(/momentum > 0/);
    expect(() => adam({ betas: [0.9, 1] })).toThrow(/betas\[1\]/);
  });
});
