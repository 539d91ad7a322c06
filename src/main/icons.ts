// The tray's icons, drawn in code: a ring with a pupil (an eye on the ports), an orange-red dot when
// alerts wait, grey with a pause sign when monitoring is paused. Rendering is pure (RGBA pixels →
// PNG bytes), so tests read the pixels; only trayImage touches Electron.
import type { NativeImage } from 'electron';
import { nativeImage } from 'electron';
import { deflateSync } from 'node:zlib';

export const ICON_STATES = ['normal', 'alert', 'paused'] as const;
export type IconState = (typeof ICON_STATES)[number];

type Rgb = readonly [number, number, number];

/** Mid-tone colours, legible on both light and dark panels. */
export const ICON_COLORS = {
  eye: [0x3b, 0x9c, 0xe0],
  paused: [0x9a, 0xa0, 0xa6],
  alert: [0xf0, 0x4a, 0x24],
} as const satisfies Record<string, Rgb>;

/** Tray sizes: 16 px at 1×, 32 px for 2× screens. */
export const TRAY_SIZES = [
  { size: 16, scaleFactor: 1 },
  { size: 32, scaleFactor: 2 },
] as const;

/** A shape is a coverage test in icon units (0..1 across the icon). */
type Shape = (x: number, y: number) => boolean;

const disk =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring =
  (cx: number, cy: number, outer: number, inner: number): Shape =>
  (x, y) => {
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    return d <= outer * outer && d >= inner * inner;
  };
const rect =
  (x0: number, y0: number, x1: number, y1: number): Shape =>
  (x, y) =>
    x >= x0 && x <= x1 && y >= y0 && y <= y1;

interface Layer {
  shape: Shape;
  color: Rgb;
  /** Clears what is below instead of painting: the gap that sets the alert dot off the ring. */
  erase?: boolean;
}

function layers(state: IconState): Layer[] {
  if (state === 'paused') {
    const c = ICON_COLORS.paused;
    return [
      { shape: ring(0.5, 0.5, 0.46, 0.33), color: c },
      // On the 16 px grid, so the bars stay crisp at 1× and 2×.
      { shape: rect(5 / 16, 5 / 16, 7 / 16, 11 / 16), color: c },
      { shape: rect(9 / 16, 5 / 16, 11 / 16, 11 / 16), color: c },
    ];
  }
  const eye: Layer[] = [
    { shape: ring(0.5, 0.5, 0.46, 0.33), color: ICON_COLORS.eye },
    { shape: disk(0.5, 0.5, 0.17), color: ICON_COLORS.eye },
  ];
  if (state === 'normal') return eye;
  return [
    ...eye,
    { shape: disk(0.78, 0.22, 0.28), color: [0, 0, 0], erase: true },
    { shape: disk(0.78, 0.22, 0.21), color: ICON_COLORS.alert },
  ];
}

const SUBSAMPLES = 4;

/** Straight-alpha RGBA pixels of one icon, anti-aliased by supersampling. */
export function renderIcon(state: IconState, size: number): Uint8Array {
  if (!Number.isInteger(size) || size < 1 || size > 1024) throw new RangeError(`icon size must be 1..1024 px, got ${size}`);
  const out = new Uint8Array(size * size * 4);
  const stack = layers(state);
  const n = SUBSAMPLES * SUBSAMPLES;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let s = 0; s < n; s++) {
        const x = (px + ((s % SUBSAMPLES) + 0.5) / SUBSAMPLES) / size;
        const y = (py + (Math.floor(s / SUBSAMPLES) + 0.5) / SUBSAMPLES) / size;
        // The topmost layer covering this sample decides its colour.
        for (let i = stack.length - 1; i >= 0; i--) {
          const layer = stack[i]!;
          if (!layer.shape(x, y)) continue;
          if (!layer.erase) {
            r += layer.color[0];
            g += layer.color[1];
            b += layer.color[2];
            a += 1;
          }
          break;
        }
      }
      const o = (py * size + px) * 4;
      if (a > 0) {
        out[o] = Math.round(r / a);
        out[o + 1] = Math.round(g / a);
        out[o + 2] = Math.round(b / a);
        out[o + 3] = Math.round((a / n) * 255);
      }
    }
  }
  return out;
}

/** A PNG (8-bit RGBA, no interlace) of straight-alpha pixels. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) throw new RangeError(`expected ${width * height * 4} bytes of RGBA, got ${rgba.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA, deflate, adaptive filtering, no interlace
  // Each row starts with its filter type; 0 (none) is plenty for icons this small.
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

let crcTable: Uint32Array | null = null;

export function crc32(bytes: Uint8Array): number {
  if (crcTable === null) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The PNG of one state at one size. */
export function iconPng(state: IconState, size: number): Buffer {
  return encodePng(size, size, renderIcon(state, size));
}

/** A tray image with a 1× and a 2× representation. Needs the app to be ready. */
export function trayImage(state: IconState): NativeImage {
  const [base, ...more] = TRAY_SIZES;
  const image = nativeImage.createFromBuffer(iconPng(state, base.size), { scaleFactor: base.scaleFactor });
  for (const { size, scaleFactor } of more) image.addRepresentation({ scaleFactor, buffer: iconPng(state, size) });
  return image;
}

/** A larger single image, for notifications. */
export function notificationImage(state: IconState = 'alert', size = 64): NativeImage {
  return nativeImage.createFromBuffer(iconPng(state, size), { scaleFactor: 1 });
}
