/**
 * Grid maps as images: a res × res field (row-major, y as the row, iy = 0 at y_min) becomes an
 * indexed image with row 0 at the top (y_max), and an indexed PNG for the report's `<image>`
 * elements (a data: URL, so the file needs no network). The PNG is written with stored (not
 * compressed) deflate blocks: one byte per pixel keeps a 100 × 100 map near 13 kB of base64, and
 * no compressor is needed in either Node or the browser.
 * see: PNG specification (W3C, 2nd ed. 2003); RFC 1950 (zlib), RFC 1951 (deflate, stored blocks).
 */

/** An 8-bit indexed image with its RGB palette. */
export interface IndexedImage {
  readonly width: number;
  readonly height: number;
  /** [height][width] palette indices, row 0 at the top */
  readonly pixels: Uint8Array;
  /** [256 × 3] RGB */
  readonly palette: Uint8Array;
}

/**
 * Maps a flat grid field to palette indices: `index(value)` in 0..255; flips rows so that the
 * largest y is at the top of the image.
 */
export function gridImage(field: readonly number[], res: number, index: (v: number) => number, palette: Uint8Array): IndexedImage {
  if (field.length !== res * res) throw new RangeError(`grid field has ${field.length} values, expected res² = ${res * res}`);
  const pixels = new Uint8Array(res * res);
  for (let iy = 0; iy < res; iy++) {
    const row = (res - 1 - iy) * res;
    for (let ix = 0; ix < res; ix++) pixels[row + ix] = Math.max(0, Math.min(255, Math.round(index(field[iy * res + ix]!))));
  }
  return { width: res, height: res, pixels, palette };
}

/** Index of v ∈ [lo, hi] on a 256-entry palette. */
export function rampIndex(lo: number, hi: number): (v: number) => number {
  return (v) => (Number.isFinite(v) ? ((v - lo) / (hi - lo)) * 255 : 128);
}

/** RGBA bytes of an indexed image (for a canvas ImageData). */
export function toRgba(image: IndexedImage): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0; i < image.pixels.length; i++) {
    const p = image.pixels[i]! * 3;
    out[4 * i] = image.palette[p]!;
    out[4 * i + 1] = image.palette[p + 1]!;
    out[4 * i + 2] = image.palette[p + 2]!;
    out[4 * i + 3] = 255;
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function u32(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const body = new Uint8Array(4 + data.length);
  for (let i = 0; i < 4; i++) body[i] = type.charCodeAt(i);
  body.set(data, 4);
  const out = new Uint8Array(12 + data.length);
  out.set(u32(data.length), 0);
  out.set(body, 4);
  out.set(u32(crc32(body)), 8 + data.length);
  return out;
}

/** zlib stream of `raw` in stored deflate blocks. */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + blocks * 5 + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, raw.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0;
    out[o++] = len & 255;
    out[o++] = len >>> 8;
    out[o++] = ~len & 255;
    out[o++] = (~len >>> 8) & 255;
    out.set(raw.subarray(start, start + len), o);
    o += len;
  }
  out.set(u32(adler32(raw)), o);
  return out;
}

/** The image as an 8-bit indexed PNG. */
export function encodePng(image: IndexedImage): Uint8Array {
  const { width, height, pixels } = image;
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const ihdr = new Uint8Array([...u32(width), ...u32(height), 8, 3, 0, 0, 0]);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', image.palette.subarray(0, 256 * 3)),
    chunk('IDAT', zlibStored(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Base64 of bytes (btoa exists in browsers and in Node ≥ 16). */
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** `data:image/png;base64,…` of the image. */
export function pngDataUrl(image: IndexedImage): string {
  return `data:image/png;base64,${base64(encodePng(image))}`;
}
