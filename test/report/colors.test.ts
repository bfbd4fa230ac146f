/**
 * The report's colour maps (src/report/colors.ts): the stops are the published ColorBrewer RdBu,
 * viridis and Okabe–Ito hex values (copied here from their sources, not from the module), and the
 * interpolation between them is worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  CLASS_COLORS,
  CLASS_TINTS,
  classColor,
  classPalette,
  css,
  diverging,
  interpolate,
  palette,
  sequential,
  type Rgb,
} from '../../src/report/colors.js';

describe('colour maps', () => {
  it('the ends and the middle are the published stops', () => {
    expect(diverging(-1)).toEqual([0x05, 0x30, 0x61]); // RdBu #053061
    expect(diverging(0)).toEqual([0xf7, 0xf7, 0xf7]); // #f7f7f7
    expect(diverging(1)).toEqual([0x67, 0x00, 0x1f]); // #67001f
    expect(sequential(0)).toEqual([0x44, 0x01, 0x54]); // viridis #440154
    expect(sequential(1)).toEqual([0xfd, 0xe7, 0x25]); // #fde725
    expect(CLASS_COLORS.slice(0, 3)).toEqual(['#E69F00', '#56B4E9', '#009E73']); // Okabe–Ito
  });

  it('interpolates linearly between stops, clamps outside [0, 1] and maps a non-finite value to the middle', () => {
    const stops: Rgb[] = [[0, 0, 0], [100, 200, 50], [200, 0, 250]];
    expect(interpolate(stops, 0.25)).toEqual([50, 100, 25]);
    expect(interpolate(stops, 0.75)).toEqual([150, 100, 150]);
    expect(interpolate(stops, -3)).toEqual([0, 0, 0]);
    expect(interpolate(stops, 7)).toEqual([200, 0, 250]);
    expect(interpolate(stops, NaN)).toEqual([100, 200, 50]);
    expect(css([1, 2, 3])).toBe('rgb(1,2,3)');
  });

  it('palettes: 256 RGB entries from the stops; class colours and tints wrap around the palette', () => {
    const p = palette([[0, 0, 0], [255, 255, 255]]);
    expect(p).toHaveLength(768);
    expect(Array.from(p.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(p.subarray(3 * 128, 3 * 129))).toEqual([128, 128, 128]);
    expect(Array.from(p.subarray(765))).toEqual([255, 255, 255]);
    expect(classColor(8)).toBe(CLASS_COLORS[0]);
    expect(classColor(-1)).toBe(CLASS_COLORS[7]);
    // a tint is 60% of the way to white: #E69F00 → (230 + 25·0.6, 159 + 96·0.6, 0 + 255·0.6), rounded
    expect(CLASS_TINTS[0]).toEqual([245, 217, 153]);
    const cp = classPalette();
    expect(Array.from(cp.subarray(0, 3))).toEqual([245, 217, 153]);
    expect(Array.from(cp.subarray(8 * 3, 9 * 3))).toEqual([245, 217, 153]);
  });
});
