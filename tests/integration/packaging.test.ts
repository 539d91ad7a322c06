// The package as electron-builder makes it, without Electron's download: its `--dir` target against a
// stand-in Electron distribution this test makes, then the produced app.asar read back. And the icons
// in build/: what scripts/make-icons.ts draws from the tray icon, in formats each OS reads.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFile, listPackage, statFile } from '@electron/asar';
import { Icns } from '@fiahfy/icns';
import { PNG } from 'pngjs';
import pngToIco from 'png-to-ico';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findSockDiagAddon, loadSockDiag } from '../../src/core/sources/netlink.js';
import { appIconPixels, appIconPng, ICNS_TYPES, ICO_SIZES, LINUX_SIZES, MASTER_SIZE } from '../../scripts/make-icons.js';

// The icon drawing lives beside the tray code, which imports electron: the one module tests may mock.
vi.mock('electron', () => ({ nativeImage: {} }));

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  build: { appId: string; productName: string; asarUnpack: string[] };
};
const ADDON = 'native/build/Release/sock_diag.node';
const work = mkdtempSync(join(tmpdir(), 'portwatch-packaging-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Builds what the package is made of, when a test file runs on its own (npm test builds first). */
function ensureBuilt(): void {
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  };
  if (!existsSync(join(root, 'out', 'main', 'index.js'))) run([join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']);
  if (process.platform === 'linux' && !existsSync(join(root, ADDON))) run([join(root, 'scripts/build-native.js')]);
}

/** Electron's Linux distribution as electron-builder copies it: the binary, the sandbox helper, the version. */
function standInElectron(): string {
  const dist = join(work, 'electron-dist');
  mkdirSync(dist);
  writeFileSync(join(dist, 'electron'), '#!/bin/sh\necho "stand-in electron" "$@"\n');
  chmodSync(join(dist, 'electron'), 0o755);
  writeFileSync(join(dist, 'chrome-sandbox'), '');
  writeFileSync(join(dist, 'version'), readJson(join(root, 'node_modules/electron/package.json')).version);
  writeFileSync(join(dist, 'LICENSE'), 'stand-in');
  return dist;
}

function readJson(path: string): { version: string } {
  return JSON.parse(readFileSync(path, 'utf8')) as { version: string };
}

/** A loopback server that answers 404 to everything and remembers what was asked. */
async function recorder(): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

describe.runIf(process.platform === 'linux')('the Linux package (electron-builder --dir)', () => {
  let resources = '';
  let entries: string[] = [];
  let downloads: string[] = [];
  let output = '';

  beforeAll(async () => {
    ensureBuilt();
    const mirror = await recorder();
    const release = join(work, 'release');
    // Every download electron-builder could try (Electron, its tool bundles) is pointed at the
    // recorder, with an empty cache: a download attempt shows up as a request, never as traffic out.
    const env = {
      ...process.env,
      ELECTRON_MIRROR: mirror.url,
      ELECTRON_BUILDER_BINARIES_MIRROR: mirror.url,
      ELECTRON_BUILDER_BINARIES_ALLOW_HTTP: 'true',
      ELECTRON_BUILDER_CACHE: join(work, 'builder-cache'),
      electron_config_cache: join(work, 'electron-cache'),
      NO_UPDATE_NOTIFIER: '1',
    };
    const args = [
      join(root, 'node_modules/electron-builder/cli.js'),
      '--linux',
      '--dir',
      '--publish',
      'never',
      `-c.electronDist=${standInElectron()}`,
      `-c.directories.output=${release}`,
    ];
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    downloads = mirror.requests;
    await new Promise((resolve) => mirror.server.close(resolve));
    expect(code, output).toBe(0);
    const unpacked = readdirSync(release).find((name) => name.startsWith('linux') && name.endsWith('unpacked'));
    expect(unpacked, output).toBeDefined();
    resources = join(release, unpacked!, 'resources');
    entries = listPackage(join(resources, 'app.asar'), { isPack: false }).map((entry) => entry.replaceAll('\\', '/'));
  }, 600_000); // a hang, not a slow machine: electron-builder packs for a while

  it('downloads nothing', () => {
    expect(downloads).toEqual([]);
    expect(output).not.toMatch(/download/i);
  });

  it('names the executable for the config, beside Electron\'s sandbox helper', () => {
    const dir = join(resources, '..');
    expect(existsSync(join(dir, 'portwatch'))).toBe(true);
    expect(existsSync(join(dir, 'chrome-sandbox'))).toBe(true);
  });

  it('holds the built app and package.json, and no sources, tests or build inputs', () => {
    // out/main/engine.js: the engine's utility process, which reads the tables and loads the addon.
    for (const file of ['/package.json', '/out/main/index.js', '/out/main/engine.js', '/out/preload/index.cjs', '/out/renderer/index.html']) expect(entries).toContain(file);
    const top = new Set(entries.map((entry) => entry.split('/')[1]));
    expect([...top].sort()).toEqual(['generated', 'native', 'node_modules', 'out', 'package.json']);
    // The offline AS table the engine reads (built by npm ci from a devDependency), and nothing else of generated/.
    expect(entries.filter((entry) => entry.startsWith('/generated/'))).toEqual(['/generated/asn-owners.bin.gz']);
    // Of native/, only the built addon: not its C source, gyp file or object files.
    expect(entries.filter((entry) => entry.startsWith('/native/') && !ADDON.startsWith(entry.slice(1)))).toEqual([]);
    for (const dir of ['/src', '/tests', '/e2e', '/scripts', '/bench', '/build', '/dist', '/docs']) {
      expect(entries.filter((entry) => entry === dir || entry.startsWith(`${dir}/`))).toEqual([]);
    }
  });

  it('holds the production dependencies and nothing from devDependencies', () => {
    const packages = new Set(entries.filter((e) => /^\/node_modules\/(@[^/]+\/)?[^/@]+$/.test(e)).map((e) => e.slice('/node_modules/'.length)));
    for (const name of Object.keys(pkg.dependencies)) expect(packages).toContain(name);
    // The lockfile marks every package only the build and the tests need.
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = [...packages].filter((name) => lock.packages[`node_modules/${name}`]?.dev === true);
    expect(devOnly).toEqual([]);
    for (const name of ['electron', 'react', 'electron-builder', 'vitest', 'typescript']) expect(packages).not.toContain(name);
  });

  it('writes package.json with the entry point and without the build config or devDependencies', () => {
    const inside = JSON.parse(extractFile(join(resources, 'app.asar'), 'package.json').toString('utf8')) as Record<string, unknown>;
    expect(inside.main).toBe('./out/main/index.js');
    expect(inside.productName).toBe('Portwatch');
    expect(inside.devDependencies).toBeUndefined();
    expect(inside.build).toBeUndefined();
  });

  it('unpacks the sock_diag addon beside the archive, where the engine finds it and the OS loads it', () => {
    expect(pkg.build.asarUnpack).toContain(ADDON);
    expect((statFile(join(resources, 'app.asar'), ADDON) as { unpacked?: boolean }).unpacked).toBe(true);
    const unpacked = join(resources, 'app.asar.unpacked', ...ADDON.split('/'));
    expect(readFileSync(unpacked).equals(readFileSync(join(root, ADDON)))).toBe(true);
    // The engine's lookup from where its bundle (out/main/engine.js) runs inside the archive.
    expect(findSockDiagAddon(join(resources, 'app.asar', 'out', 'main'))).toBe(unpacked);
    let why = '';
    const diag = loadSockDiag({ path: unpacked, onError: (reason) => (why = reason) });
    expect(diag, why).not.toBeNull();
    expect(diag!.poll().tcp).toBe(true);
    diag!.close();
  });
});

describe('the icons in build/', () => {
  const build = join(root, 'build');
  const pixels = new Map<number, Buffer>();
  const drawn = (size: number): Buffer => {
    if (!pixels.has(size)) pixels.set(size, Buffer.from(appIconPixels(size)));
    return pixels.get(size)!;
  };
  const decode = (png: Buffer): PNG => PNG.sync.read(png);

  it('has a 1024 px master and the Linux set, each the drawing at its size (npm run icons remakes them)', () => {
    const master = decode(readFileSync(join(build, 'icon.png')));
    expect([master.width, master.height]).toEqual([MASTER_SIZE, MASTER_SIZE]);
    expect(master.data.equals(drawn(MASTER_SIZE))).toBe(true);
    for (const size of LINUX_SIZES) {
      const icon = decode(readFileSync(join(build, 'icons', `${size}x${size}.png`)));
      expect([icon.width, icon.height]).toEqual([size, size]);
      expect(icon.data.equals(drawn(size)), `build/icons/${size}x${size}.png is stale: run npm run icons`).toBe(true);
    }
  });

  it('looks like an app icon: an opaque tile with transparent corners, the tray eye in the middle', () => {
    const icon = drawn(256);
    const at = (x: number, y: number) => [...icon.subarray((y * 256 + x) * 4, (y * 256 + x) * 4 + 4)];
    expect(at(0, 0)[3]).toBe(0); // outside the tile
    expect(at(128, 40)[3]).toBe(255); // the tile
    expect(at(128, 128)).toEqual([0x3b, 0x9c, 0xe0, 255]); // the pupil, in the tray's eye colour
  });

  it('has a Windows .ico with every size up to 256 px', async () => {
    const ico = readFileSync(join(build, 'icon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, ICO_SIZES.length]);
    const sizes = ICO_SIZES.map((_, i) => ico[6 + i * 16] || 256);
    expect(sizes).toEqual([...ICO_SIZES]);
    expect(ico.equals(await pngToIco(ICO_SIZES.map((size) => appIconPng(size)))), 'build/icon.ico is stale: run npm run icons').toBe(true);
  });

  it('has a macOS .icns with the 1× and 2× PNGs from 16 to 1024 px', () => {
    const icns = Icns.from(readFileSync(join(build, 'icon.icns')));
    expect(icns.images.map((image) => image.osType)).toEqual(ICNS_TYPES.map(([type]) => type));
    for (const [i, [type, size]] of ICNS_TYPES.entries()) {
      const png = decode(icns.images[i]!.image);
      expect([png.width, png.height], type).toEqual([size, size]);
      expect(png.data.equals(drawn(size)), `${type} in build/icon.icns is stale: run npm run icons`).toBe(true);
    }
  });
});
