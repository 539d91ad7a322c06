// The app's icons in build/ (electron-builder's buildResources), made from the tray icon's drawing in
// src/main/icons.ts: the same eye, rendered at each size rather than scaled, on a dark rounded tile.
// `npm run icons` writes them; a test checks that the checked-in files are what this makes.
//   build/icon.png            the 1024 px master
//   build/icons/NxN.png       the Linux set (hicolor sizes)
//   build/icon.ico            Windows: 16–256 px
//   build/icon.icns           macOS: 16–1024 px, 1× and 2×
// Run through tsx with scripts/without-electron.mjs (see package.json): icons.ts imports electron.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Icns, IcnsImage } from '@fiahfy/icns';
import pngToIco from 'png-to-ico';
import { encodePng, renderIcon } from '../src/main/icons.js';

export const MASTER_SIZE = 1024;
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
/** Apple's PNG icon types: 1× and 2× (Retina) entries of the 16, 32, 128, 256 and 512 pt icons. */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic13', 256],
  ['ic08', 256],
  ['ic14', 512],
  ['ic09', 512],
  ['ic10', 1024],
] as const;

type Rgb = readonly [number, number, number];
const TILE_TOP: Rgb = [0x24, 0x34, 0x4b];
const TILE_BOTTOM: Rgb = [0x0e, 0x16, 0x22];
/** The eye's box as a share of the tile (its ring spans 0.92 of the box); larger when the icon is small. */
const EYE_SHARE = { large: 0.66, small: 0.78 };

/** Signed distance (px) from a rounded square centred at c with half-side h and corner radius r. */
function roundedSquare(x: number, y: number, c: number, h: number, r: number): number {
  const qx = Math.abs(x - c) - (h - r);
  const qy = Math.abs(y - c) - (h - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** Straight-alpha "over": paints a colour with alpha a onto pixel o of out. */
function paint(out: Uint8Array, o: number, color: Rgb, a: number): void {
  if (a <= 0) return;
  const below = out[o + 3]! / 255;
  const alpha = a + below * (1 - a);
  for (let i = 0; i < 3; i++) out[o + i] = Math.round((color[i]! * a + out[o + i]! * below * (1 - a)) / alpha);
  out[o + 3] = Math.round(alpha * 255);
}

/**
 * The app icon at one size, as straight-alpha RGBA. From 128 px up it follows macOS's grid (an
 * 824/1024 tile with a soft shadow); smaller sizes fill the square so the eye stays legible.
 */
export function appIconPixels(size: number): Uint8Array {
  const large = size >= 128;
  const margin = large ? Math.round((size * 100) / 1024) : Math.round(size / 16);
  const tile = size - 2 * margin;
  const c = size / 2;
  const h = tile / 2;
  const r = tile * 0.225;
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const o = (py * size + px) * 4;
      const x = px + 0.5;
      const y = py + 0.5;
      if (large) {
        // A shadow below the tile, as macOS draws for its own icons.
        const blur = size * 0.02;
        const d = roundedSquare(x, y - size * 0.012, c, h, r);
        paint(out, o, [0, 0, 0], 0.35 * clamp01(0.5 - d / (2 * blur)));
      }
      const coverage = clamp01(0.5 - roundedSquare(x, y, c, h, r));
      const t = clamp01((y - margin) / tile);
      const color = TILE_TOP.map((top, i) => Math.round(top + (TILE_BOTTOM[i]! - top) * t)) as unknown as Rgb;
      paint(out, o, color, coverage);
    }
  }
  const eyeSize = Math.round(tile * (large ? EYE_SHARE.large : EYE_SHARE.small));
  const eye = renderIcon('normal', eyeSize);
  const at = Math.round((size - eyeSize) / 2);
  for (let ey = 0; ey < eyeSize; ey++) {
    for (let ex = 0; ex < eyeSize; ex++) {
      const e = (ey * eyeSize + ex) * 4;
      paint(out, ((at + ey) * size + at + ex) * 4, [eye[e]!, eye[e + 1]!, eye[e + 2]!], eye[e + 3]! / 255);
    }
  }
  return out;
}

/** The PNG of the app icon at one size. */
export function appIconPng(size: number): Buffer {
  return encodePng(size, size, appIconPixels(size));
}

/** Every file this script writes, by path under build/. */
export async function appIconFiles(): Promise<Map<string, Buffer>> {
  const sizes = [...new Set<number>([...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, size]) => size)])];
  const png = new Map(sizes.map((size) => [size, appIconPng(size)]));
  const files = new Map<string, Buffer>();
  files.set('icon.png', png.get(MASTER_SIZE)!);
  for (const size of LINUX_SIZES) files.set(join('icons', `${size}x${size}.png`), png.get(size)!);
  files.set('icon.ico', await pngToIco(ICO_SIZES.map((size) => png.get(size)!)));
  const icns = new Icns();
  for (const [type, size] of ICNS_TYPES) icns.append(IcnsImage.fromPNG(png.get(size)!, type));
  files.set('icon.icns', icns.data);
  return files;
}

async function main(): Promise<void> {
  const buildDir = fileURLToPath(new URL('../build/', import.meta.url));
  for (const [path, bytes] of await appIconFiles()) {
    await mkdir(dirname(join(buildDir, path)), { recursive: true });
    await writeFile(join(buildDir, path), bytes);
    console.log(`wrote build/${path} (${bytes.length} bytes)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
