/**
 * The report's PNG writer (src/report/raster.ts), read back by zlib (node:zlib, an independent
 * inflater) row by row.
 */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng, gridImage, rampIndex } from '../../src/report/raster.js';

describe('report building blocks', () => {
  it('writes PNGs that zlib (an independent inflater) reads back row by row', () => {
    const res = 37;
    const field = Array.from({ length: res * res }, (_, i) => Math.sin(i / 7));
    const image = gridImage(field, res, rampIndex(-1, 1), new Uint8Array(768).map((_, i) => i % 256));
    const png = encodePng(image);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let o = 8;
    const chunks: Record<string, Uint8Array> = {};
    while (o < png.length) {
      const len = new DataView(png.buffer, png.byteOffset + o).getUint32(0);
      chunks[String.fromCharCode(...png.subarray(o + 4, o + 8))] = png.subarray(o + 8, o + 8 + len);
      o += 12 + len;
    }
    expect(Object.keys(chunks)).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
    const raw = inflateSync(chunks.IDAT!);
    expect(raw.length).toBe(res * (res + 1));
    for (let y = 0; y < res; y++) {
      expect(raw[y * (res + 1)]).toBe(0); // filter: none
      expect([...raw.subarray(y * (res + 1) + 1, (y + 1) * (res + 1))]).toEqual([...image.pixels.subarray(y * res, (y + 1) * res)]);
    }
    // row 0 of the image is the grid's top row (largest y)
    expect(image.pixels[0]).toBe(Math.round(rampIndex(-1, 1)(field[(res - 1) * res]!)));
  });
});
