/**
 * The float64 activations and special functions (src/model/activations.ts).
 *
 * Why the checks are independent of the code they test: erf/erfc/Φ and the GELU values were
 * computed with mpmath at 30 digits; the derivatives are checked by central finite differences of
 * the function values, never by derivative formulas.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { erf, erfc, float64Activation, normalCdf } from '../../src/model/activations.js';
import { ACTIVATIONS, type Activation } from '../../src/model/mlp.js';

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('erf, erfc, Φ (vs mpmath, 30 digits)', () => {
  const cases: [(x: number) => number, string, number, number][] = [
    [erf, 'erf', 1e-10, 1.1283791670955126e-10],
    [erf, 'erf', 0.3, 0.3286267594591274],
    [erf, 'erf', 1, 0.8427007929497149],
    [erf, 'erf', 1.9, 0.9927904292352575],
    [erf, 'erf', 2.1, 0.997020533343667],
    [erf, 'erf', 3.5, 0.9999992569016276],
    [erf, 'erf', -0.7, -0.6778011938374184],
    [erfc, 'erfc', 0.3, 0.6713732405408726],
    [erfc, 'erfc', 1.5, 0.033894853524689274],
    [erfc, 'erfc', 5, 1.537459794428035e-12],
    [erfc, 'erfc', 10, 2.088487583762545e-45],
    [erfc, 'erfc', 26, 5.663192408856143e-296],
    [erfc, 'erfc', -2, 1.9953222650189528],
    [normalCdf, 'Φ', -5, 2.866515718791939e-7],
    [normalCdf, 'Φ', -10, 7.619853024160525e-24],
    [normalCdf, 'Φ', -30, 4.906713927148187e-198],
    [normalCdf, 'Φ', -1.3, 0.09680048458561033],
    [normalCdf, 'Φ', 0.5, 0.6914624612740131],
    [normalCdf, 'Φ', 3, 0.9986501019683699],
  ];
  it.each(cases)('%s: %s(%d) to 1e-14 relative', (f, _name, x, want) => {
    expect(relErr(f(x), want)).toBeLessThan(1e-14);
  });

  it('erf is odd, erf + erfc = 1, and the tails saturate', () => {
    for (const x of [0.01, 0.5, 1.7, 2.4, 4]) {
      expect(erf(-x)).toBe(-erf(x));
      expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThan(5e-16);
    }
    expect(erf(30)).toBe(1);
    expect(erfc(30)).toBe(0);
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
  });

  it('GELU σ, σ′, σ″ match mpmath', () => {
    const gelu = float64Activation('gelu');
    const want: [number, number, number, number][] = [
      [-3, -0.0040496940948902835, -0.011945647204183927, -0.03102293888356605],
      [-0.5, -0.15426876936299344, 0.13250487534383715, 0.6161143218375241],
      [0.7, 0.5306254434438489, 0.9766141011336599, 0.4715034393838095],
      [2.5, 2.4844758366855597, 1.037611085908145, -0.07449527709766629],
    ];
    for (const [z, f, df, d2f] of want) {
      expect(relErr(gelu.f(z), f)).toBeLessThan(1e-14);
      expect(relErr(gelu.df(z), df)).toBeLessThan(1e-14);
      expect(relErr(gelu.d2f(z), d2f)).toBeLessThan(1e-13);
    }
  });
});

describe('activation derivatives (central differences)', () => {
  const h = 1e-5;
  const zs = [-3.1, -1.2, -0.4, 0.3, 0.9, 2.6];
  it.each(ACTIVATIONS.map((a) => [a]))('%s: σ′ and σ″', (name) => {
    const act = float64Activation(name);
    for (const z of zs) {
      const df = (act.f(z + h) - act.f(z - h)) / (2 * h);
      const d2f = (act.df(z + h) - act.df(z - h)) / (2 * h);
      expect(Math.abs(act.df(z) - df)).toBeLessThan(1e-9 * (1 + Math.abs(df)));
      expect(Math.abs(act.d2f(z) - d2f)).toBeLessThan(1e-9 * (1 + Math.abs(d2f)));
    }
  });

  it('ReLU uses σ′(0) = 0 and σ″ = 0; an unknown name is an InputError', () => {
    const relu = float64Activation('relu');
    expect(relu.df(0)).toBe(0);
    expect(relu.df(1e-300)).toBe(1);
    expect(relu.d2f(0.5)).toBe(0);
    expect(() => float64Activation('swish' as Activation)).toThrow(InputError);
  });
});
