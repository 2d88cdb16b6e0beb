import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { DEFAULT_PLATFORM_LIMITS, definePlatformLimits, type PlatformLimits } from '@lockbox/analysis-sdk';
import { type ImageInspection, inspectImageTarball } from './image-intake';
import { IntakeFindings, IntakeLimitError } from './image-intake-rules';
import { parseImageJson } from './image-json';
import { inspectLayer, ZSTD_LAYERS_READABLE } from './image-layer-inspection';
import { sanitizeImageTarball } from './image-sanitizer';
import { Budget, TarFormatError, walkTar } from './tar-archive';

const MiB = 1024 * 1024;
const SMALL_LIMITS = definePlatformLimits({ imageTarballMaxBytes: 4 * MiB, imageDecompressedMaxBytes: 4 * MiB });

// ---- building tarballs in the test -------------------------------------------------------------------

interface Entry {
  name: string;
  type?: tar.Header['type'];
  linkname?: string;
  mode?: number;
  body?: Buffer;
  /** A body produced while packing, for entries too large to hold (it must yield exactly `size` bytes). */
  stream?: { size: number; chunks: () => AsyncIterable<Buffer> };
  devmajor?: number;
  devminor?: number;
}

function packTar(entries: Entry[]): Readable {
  const pack = tar.pack();
  (async () => {
    for (const entry of entries) {
      const header = {
        name: entry.name,
        type: entry.type ?? 'file',
        linkname: entry.linkname,
        mode: entry.mode,
        devmajor: entry.devmajor,
        devminor: entry.devminor,
      };
      if (entry.stream) {
        let sink!: ReturnType<tar.Pack['entry']>;
        const done = new Promise<void>((resolve, reject) => {
          sink = pack.entry({ ...header, size: entry.stream!.size }, (error) => (error ? reject(error) : resolve()));
        });
        for await (const chunk of entry.stream.chunks()) if (!sink.write(chunk)) await once(sink, 'drain');
        sink.end(null);
        await done;
      } else {
        await new Promise<void>((resolve, reject) => pack.entry(header, entry.body ?? Buffer.alloc(0), (error) => (error ? reject(error) : resolve())));
      }
    }
    pack.finalize();
  })().catch((error: Error) => pack.destroy(error));
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const tarOf = (entries: Entry[]) => collect(packTar(entries));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const file = (name: string, text = 'data', mode?: number): Entry => ({ name, body: Buffer.from(text), mode });

interface ImageOptions {
  /** Uncompressed layer tars. */
  layers?: Buffer[];
  gzipLayers?: boolean;
  /** Changes to the image config before it is serialized. */
  config?: (config: Record<string, any>) => void;
  /** Changes to the serialized config (for what JSON.stringify cannot write, such as a key twice). */
  configText?: (json: string) => string;
  repoTags?: string[];
}

function imageConfig(layers: Buffer[], change?: (config: Record<string, any>) => void, changeText?: (json: string) => string): Buffer {
  const config: Record<string, any> = {
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: ['/bin/analysis'], Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => `sha256:${sha256(layer)}`) },
  };
  change?.(config);
  const json = JSON.stringify(config);
  return Buffer.from(changeText ? changeText(json) : json);
}

async function defaultLayers(): Promise<Buffer[]> {
  return [await tarOf([{ name: 'bin/', type: 'directory' }, file('bin/analysis', '#!/bin/sh\necho hi\n', 0o755)]), await tarOf([file('app/data.json', '{}')])];
}

/** The entries of a docker-save (legacy) tarball, as docker 20.10 writes them. */
async function legacyImage(options: ImageOptions = {}): Promise<{ entries: Entry[]; configBytes: Buffer }> {
  const layers = options.layers ?? (await defaultLayers());
  const configBytes = imageConfig(layers, options.config, options.configText);
  const stored = layers.map((layer) => (options.gzipLayers ? zlib.gzipSync(layer) : layer));
  const entries: Entry[] = stored.map((layer, index) => ({ name: `layer${index}/layer.tar`, body: layer }));
  entries.push({ name: `${sha256(configBytes)}.json`, body: configBytes });
  const manifest = [
    { Config: `${sha256(configBytes)}.json`, RepoTags: options.repoTags ?? ['example/analysis:1'], Layers: entries.slice(0, layers.length).map((e) => e.name) },
  ];
  entries.push({ name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)) });
  entries.push({ name: 'repositories', body: Buffer.from('{"example/analysis":{"1":"x"}}') });
  return { entries, configBytes };
}

function descriptor(mediaType: string, bytes: Buffer, extra: Record<string, unknown> = {}) {
  return { mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.length, ...extra };
}

interface OciImageOptions extends ImageOptions {
  index?: (index: Record<string, any>) => void;
  /** Changes to the serialized image manifest. */
  manifestText?: (json: string) => string;
  /** Image indexes between index.json and the image manifest (as buildx and nerdctl write one). */
  nestedIndexes?: number;
  /** Layers stored uncompressed (as Docker 25's docker save does) rather than gzip-compressed. */
  uncompressedLayers?: boolean;
  /** A docker-save manifest.json beside index.json, naming the blobs (as Docker 25's docker save writes). */
  legacyManifest?: boolean;
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** The entries of an OCI image layout tarball, with gzip-compressed layers unless told otherwise. */
async function ociImage(options: OciImageOptions = {}): Promise<{ entries: Entry[]; configBytes: Buffer }> {
  const layers = options.layers ?? (await defaultLayers());
  const configBytes = imageConfig(layers, options.config, options.configText);
  const blobs = layers.map((layer) => (options.uncompressedLayers ? layer : zlib.gzipSync(layer)));
  const manifestJson = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor('application/vnd.oci.image.config.v1+json', configBytes),
    layers: blobs.map((blob) => descriptor(`application/vnd.oci.image.layer.v1.tar${options.uncompressedLayers ? '' : '+gzip'}`, blob)),
  });
  const manifest = Buffer.from(options.manifestText ? options.manifestText(manifestJson) : manifestJson);
  let top = descriptor(OCI_MANIFEST, manifest, { platform: { architecture: 'amd64', os: 'linux' } });
  const indexBlobs: Buffer[] = [];
  for (let level = 0; level < (options.nestedIndexes ?? 0); level++) {
    const nested = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [top] }));
    indexBlobs.push(nested);
    top = descriptor(OCI_INDEX, nested);
  }
  const index: Record<string, any> = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        ...top,
        annotations: { 'org.opencontainers.image.ref.name': 'lockbox/node-base:20', 'io.containerd.image.name': 'docker.io/lockbox/node-base:20', keep: 'me' },
      },
    ],
  };
  options.index?.(index);
  const blobPath = (blob: Buffer) => `blobs/sha256/${sha256(blob)}`;
  const legacy = options.legacyManifest
    ? [{ name: 'manifest.json', body: Buffer.from(JSON.stringify([{ Config: blobPath(configBytes), RepoTags: null, Layers: blobs.map(blobPath) }])) }]
    : [];
  const entries: Entry[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...[...blobs, configBytes, manifest, ...indexBlobs].map((blob) => ({ name: blobPath(blob), body: blob })),
    { name: 'oci-layout', body: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'index.json', body: Buffer.from(JSON.stringify(index)) },
    ...legacy,
  ];
  return { entries, configBytes };
}

/**
 * The entries of skopeo's and podman's docker-archive: each layer stored at the root as `<digest>.tar`,
 * named so by manifest.json, and linked from a legacy `<id>/layer.tar` beside `<id>/json` and `<id>/VERSION`.
 */
async function linkedArchiveImage(options: ImageOptions = {}): Promise<{ entries: Entry[]; configBytes: Buffer }> {
  const layers = options.layers ?? (await defaultLayers());
  const configBytes = imageConfig(layers, options.config, options.configText);
  const layerFiles = layers.map((layer) => `${sha256(layer)}.tar`);
  const entries: Entry[] = layers.map((layer, index) => ({ name: layerFiles[index]!, body: layer, mode: 0o444 }));
  entries.push({ name: `${sha256(configBytes)}.json`, body: configBytes, mode: 0o444 });
  layers.forEach((_layer, index) => {
    const id = sha256(Buffer.from(`legacy id ${index}`));
    entries.push({ name: `${id}/layer.tar`, type: 'symlink', linkname: `../${layerFiles[index]}` });
    entries.push({ name: `${id}/VERSION`, body: Buffer.from('1.0') });
    entries.push({ name: `${id}/json`, body: Buffer.from(JSON.stringify({ id })) });
  });
  entries.push({ name: 'manifest.json', body: Buffer.from(JSON.stringify([{ Config: `${sha256(configBytes)}.json`, RepoTags: [], Layers: layerFiles }])) });
  entries.push({ name: 'repositories', body: Buffer.from('{}') });
  return { entries, configBytes };
}

// ---- raw tar headers, for what tar-stream does not write -----------------------------------------------

interface RawHeader {
  name: string | Buffer;
  /** The type flag; '0' (a regular file) unless told. */
  flag?: string;
  /** The size field; the data's length unless told. */
  size?: number;
  linkname?: string;
  prefix?: string;
  format?: 'ustar' | 'gnu' | 'v7' | 'star';
  /** Bytes written over the header at an offset, before the checksum. */
  poke?: { offset: number; bytes: Buffer };
}

function rawHeader(header: RawHeader & { size: number }): Buffer {
  const block = Buffer.alloc(512);
  (Buffer.isBuffer(header.name) ? header.name : Buffer.from(header.name)).copy(block, 0, 0, 100);
  const octal = (value: number, width: number, offset: number) => block.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, 'latin1');
  octal(0o644, 8, 100);
  octal(0, 8, 108);
  octal(0, 8, 116);
  octal(header.size, 12, 124);
  octal(0, 12, 136);
  block.write(header.flag ?? '0', 156, 'latin1');
  if (header.linkname) block.write(header.linkname, 157, 'utf8');
  const format = header.format ?? 'ustar';
  if (format === 'ustar' || format === 'star') block.write('ustar\u000000', 257, 'latin1');
  if (format === 'gnu') block.write('ustar  \u0000', 257, 'latin1');
  if (format === 'star') block.write('tar\0', 508, 'latin1');
  if (format !== 'v7') {
    octal(0, 8, 329);
    octal(0, 8, 337);
  }
  if (header.prefix) block.write(header.prefix, 345, 'utf8');
  header.poke?.bytes.copy(block, header.poke.offset);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

/** One entry as raw blocks: its header and its data, padded. */
function rawEntry(header: RawHeader, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([rawHeader({ ...header, size: header.size ?? data.length }), padded(data)]);
}

/** PAX records, each "<length> <key>=<value>\n" with the length counting itself. */
function paxRecords(records: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const body = Buffer.byteLength(` ${key}=${value}\n`);
      let length = body + 1;
      while (String(length).length + body !== length) length = String(length).length + body;
      return Buffer.from(`${length} ${key}=${value}\n`);
    }),
  );
}

/** A PAX header entry: local (`x`, for the next entry) or global (`g`). */
const paxEntry = (records: Record<string, string>, flag: 'x' | 'g' = 'x') => rawEntry({ name: 'PaxHeaders/entry', flag }, paxRecords(records));

/** A whole archive: the entries, then the end-of-archive marker (two zero blocks). */
const rawTar = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

function inspect(entries: Entry[], limits: PlatformLimits = DEFAULT_PLATFORM_LIMITS): Promise<ImageInspection> {
  return inspectImageTarball(packTar(entries), limits);
}

function rules(inspection: ImageInspection): string[] {
  return [...new Set(inspection.violations.map((violation) => violation.rule))];
}

/** All violation messages, one per line, for matching. */
function messages(inspection: ImageInspection): string {
  return inspection.violations.map((violation) => `${violation.rule}: ${violation.message}`).join('\n');
}

/** Replaces the body of one entry. */
function withEntry(entries: Entry[], name: string, change: (entry: Entry) => Entry): Entry[] {
  return entries.map((entry) => (entry.name === name ? change(entry) : entry));
}

// ---- tests ---------------------------------------------------------------------------------------------

describe('inspectImageTarball', () => {
  describe('valid images', () => {
    it('accepts a docker-save (legacy) tarball and reports the image ID as the sha256 of the config bytes', async () => {
      const layers = await defaultLayers();
      const { entries, configBytes } = await legacyImage({ layers });

      const inspection = await inspect(entries);

      expect(inspection.violations).toEqual([]);
      expect(inspection).toMatchObject({ ok: true, layout: 'docker-save', architecture: 'amd64', os: 'linux', layers: 2 });
      expect(inspection.imageId).toBe(`sha256:${sha256(configBytes)}`);
      expect(inspection.decompressedBytes).toBe(layers[0]!.length + layers[1]!.length);
      expect(inspection.config?.entrypoint).toEqual(['/bin/analysis']);
      expect(inspection.config?.diffIds).toEqual(layers.map((layer) => `sha256:${sha256(layer)}`));
      expect(inspection.notes.join('\n')).toMatch(/RepoTags "example\/analysis:1" are ignored/);
    });

    it('accepts an OCI image layout with gzip-compressed layers, verifying every blob digest', async () => {
      const { entries, configBytes } = await ociImage();

      const inspection = await inspect(entries);

      expect(inspection.violations).toEqual([]);
      expect(inspection).toMatchObject({ ok: true, layout: 'oci-layout', layers: 2, imageId: `sha256:${sha256(configBytes)}` });
      expect(inspection.compressedBytes).toBeLessThan(inspection.decompressedBytes);
    });

    it('accepts a tarball gzip-compressed as a whole, and says so', async () => {
      const { entries, configBytes } = await legacyImage();

      const inspection = await inspectImageTarball(Readable.from([zlib.gzipSync(await tarOf(entries))]), DEFAULT_PLATFORM_LIMITS);

      expect(inspection).toMatchObject({ ok: true, imageId: `sha256:${sha256(configBytes)}` });
      expect(inspection.notes[0]).toMatch(/gzip-compressed as a whole/);
    });

    it("accepts docker save's symlink between identical layers, and no other outer symlink", async () => {
      const layer = await tarOf([file('a.txt')]);
      const { entries } = await legacyImage({ layers: [layer, layer] });
      const deduplicated = withEntry(entries, 'layer1/layer.tar', () => ({ name: 'layer1/layer.tar', type: 'symlink', linkname: '../layer0/layer.tar' }));
      const escaping = withEntry(entries, 'layer1/layer.tar', () => ({ name: 'layer1/layer.tar', type: 'symlink', linkname: '../../etc/passwd' }));
      const elsewhere = [...entries, { name: 'notes.txt', type: 'symlink' as const, linkname: 'manifest.json' }];

      expect((await inspect(deduplicated)).violations).toEqual([]);
      expect(rules(await inspect(escaping))).toEqual(['path_escape']);
      expect(rules(await inspect(elsewhere))).toEqual(['entry_type']);
    });

    it('notes setuid files rather than refusing them (containers run with no-new-privileges)', async () => {
      const { entries } = await legacyImage({ layers: [await tarOf([file('bin/su', 'x', 0o4755)])] });

      const inspection = await inspect(entries);

      expect(inspection.ok).toBe(true);
      expect(inspection.notes.join('\n')).toMatch(/1 setuid\/setgid file\(s\), e\.g\. \/bin\/su: allowed, because containers run with no-new-privileges/);
    });
  });

  describe('the outer archive', () => {
    it('refuses random bytes as not_a_tar', async () => {
      const random = Buffer.alloc(64 * 1024);
      for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) % 251;

      const inspection = await inspectImageTarball(Readable.from([random]), DEFAULT_PLATFORM_LIMITS);

      expect(inspection.ok).toBe(false);
      expect(rules(inspection)).toEqual(['not_a_tar']);
      expect(inspection.layout).toBeUndefined();
    });

    it('refuses an empty upload, a truncated tar, bzip2 and corrupt gzip as not_a_tar', async () => {
      const { entries } = await legacyImage();
      const whole = await tarOf(entries);
      const uploads = [Buffer.alloc(0), whole.subarray(0, 1000), Buffer.from('BZh91AY&SY...'), Buffer.concat([zlib.gzipSync(whole).subarray(0, 200)])];

      for (const upload of uploads) {
        expect(rules(await inspectImageTarball(Readable.from([upload]), DEFAULT_PLATFORM_LIMITS))).toEqual(['not_a_tar']);
      }
    });

    it('refuses a tarball over the upload cap while receiving it', async () => {
      const { entries } = await legacyImage({ layers: [await tarOf([{ name: 'big', body: Buffer.alloc(5 * MiB, 1) }])] });

      expect(rules(await inspect(entries, SMALL_LIMITS))).toEqual(['tarball_size']);
    });

    it('refuses ../../etc/passwd and absolute paths in the outer archive', async () => {
      const { entries } = await legacyImage();

      expect(rules(await inspect([...entries, file('../../etc/passwd')]))).toEqual(['path_escape']);
      expect(rules(await inspect([...entries, file('/etc/passwd')]))).toEqual(['path_escape']);
    });

    it('refuses hardlinks, devices and duplicate names in the outer archive', async () => {
      const { entries } = await legacyImage();

      expect(rules(await inspect([...entries, { name: 'copy.json', type: 'link', linkname: 'manifest.json' }]))).toEqual(['entry_type']);
      expect(rules(await inspect([...entries, { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }]))).toEqual(['entry_type']);
      expect(rules(await inspect([...entries, file('./manifest.json', '[]')]))).toEqual(['duplicate_entry']);
    });

    it('refuses more than 10,000 outer entries and overlong names', async () => {
      const { entries } = await legacyImage();
      const many = Array.from({ length: 10_001 }, (_, index) => ({ name: `d${index}/`, type: 'directory' as const }));

      expect(rules(await inspect([...many, ...entries]))).toEqual(['entry_count']);
      // 121 bytes: a plain ustar header holds it (prefix and name), but image tools never write one.
      expect(rules(await inspect([...entries, file(`${'x/'.repeat(60)}y`)]))).toEqual(['name_length']);
      expect(rules(await inspect([...entries, file(`${'x/'.repeat(49)}y`)]))).toEqual([]);
    });
  });

  describe('layout', () => {
    it('refuses a tarball with neither manifest.json nor index.json', async () => {
      expect(rules(await inspect([file('hello.txt')]))).toEqual(['layout']);
    });

    it('refuses two images in one tarball (legacy and OCI)', async () => {
      const { entries } = await legacyImage();
      const twoImages = withEntry(entries, 'manifest.json', (entry) => {
        const [item] = JSON.parse(entry.body!.toString());
        return { ...entry, body: Buffer.from(JSON.stringify([item, { ...item, RepoTags: ['other:1'] }])) };
      });
      const oci = await ociImage({ index: (index) => index.manifests.push({ ...index.manifests[0], annotations: {} }) });

      expect(rules(await inspect(twoImages))).toEqual(['multiple_images']);
      expect(rules(await inspect(oci.entries))).toEqual(['multiple_images']);
    });

    it('refuses a manifest.json over 1 MiB without reading it', async () => {
      const { entries } = await legacyImage();
      const oversize = withEntry(entries, 'manifest.json', (entry) => ({ ...entry, body: Buffer.concat([entry.body!, Buffer.alloc(MiB, ' ')]) }));

      expect(rules(await inspect(oversize))).toEqual(['json_size']);
    });

    it('refuses a manifest that names a file outside the tarball or missing from it', async () => {
      const { entries } = await legacyImage();
      const rewrite = (layer: string) =>
        withEntry(entries, 'manifest.json', (entry) => {
          const [item] = JSON.parse(entry.body!.toString());
          return { ...entry, body: Buffer.from(JSON.stringify([{ ...item, Layers: [layer, item.Layers[1]] }])) };
        });

      expect(rules(await inspect(rewrite('../../etc/passwd')))).toEqual(['path_escape']);
      expect(rules(await inspect(rewrite('nowhere/layer.tar')))).toEqual(['layout']);
    });

    it('refuses an OCI blob whose content does not match its digest', async () => {
      const { entries } = await ociImage();
      const layerBlob = entries.find((entry) => entry.name.startsWith('blobs/sha256/') && entry.body?.[0] === 0x1f)!;
      const tampered = await tarOf([file('bin/analysis', '#!/bin/sh\nrm -rf /\n')]);
      const swapped = zlib.gzipSync(tampered);
      // Same size, so only the digest can tell.
      const sameSize = Buffer.concat([swapped, Buffer.alloc(Math.max(0, layerBlob.body!.length - swapped.length))]).subarray(0, layerBlob.body!.length);
      const mismatched = withEntry(entries, layerBlob.name, (entry) => ({ ...entry, body: sameSize }));

      const inspection = await inspect(mismatched);

      expect(rules(inspection)).toContain('digest_mismatch');
      expect(inspection.violations.find((violation) => violation.rule === 'digest_mismatch')?.message).toMatch(
        /hashes to sha256:[a-f0-9]{64}, not to the digest that names it/,
      );
    });

    it("refuses a layer whose uncompressed sha256 differs from the config's diff_id", async () => {
      const { entries } = await legacyImage({ config: (config) => (config.rootfs.diff_ids[1] = `sha256:${'0'.repeat(64)}`) });

      expect(rules(await inspect(entries))).toEqual(['digest_mismatch']);
    });

    it('refuses manifest.json and index.json that describe different images', async () => {
      const legacy = await legacyImage();
      const oci = await ociImage({ config: (config) => (config.config.Env = ['OTHER=1']) });
      const hybrid = [...legacy.entries, ...oci.entries];

      expect(rules(await inspect(hybrid))).toEqual(['layout']);
    });

    it('refuses 1,000 layers without streaming them', async () => {
      const empty = await tarOf([]);
      const { entries } = await legacyImage({ layers: Array.from({ length: 1000 }, () => empty) });

      const inspection = await inspect(entries);

      expect(rules(inspection)).toEqual(['layer_count']);
      expect(inspection.layers).toBe(1000);
      expect(inspection.decompressedBytes).toBe(0);
    });
  });

  describe('the image config', () => {
    it('refuses VOLUME', async () => {
      const { entries } = await legacyImage({ config: (config) => (config.config.Volumes = { '/data': {} }) });

      const inspection = await inspect(entries);

      expect(rules(inspection)).toEqual(['config']);
      expect(inspection.violations[0]!.message).toMatch(/VOLUME is not allowed: \/data/);
    });

    it('refuses WORKDIR under /proc', async () => {
      const { entries } = await legacyImage({ config: (config) => (config.config.WorkingDir = '/proc/self/fd/7') });

      expect(rules(await inspect(entries))).toEqual(['config']);
    });

    it('refuses keys the engine would read case-insensitively ("volumes", "WORKINGDIR")', async () => {
      const volumes = await legacyImage({ config: (config) => (config.config.volumes = { '/data': {} }) });
      const workdir = await legacyImage({ config: (config) => (config.config.WORKINGDIR = '/proc/self') });
      const twice = await legacyImage({ config: (config) => (config.Architecture = 'arm64') });

      expect(rules(await inspect(volumes.entries))).toEqual(['config']);
      expect(rules(await inspect(workdir.entries))).toEqual(['config']);
      expect(rules(await inspect(twice.entries))).toEqual(['duplicate_key']);
    });

    it('refuses arm64 and non-linux images', async () => {
      const arm = await legacyImage({ config: (config) => (config.architecture = 'arm64') });
      const windows = await legacyImage({ config: (config) => (config.os = 'windows') });

      expect(rules(await inspect(arm.entries))).toEqual(['architecture']);
      expect(rules(await inspect(windows.entries))).toEqual(['architecture']);
    });

    it('notes USER, EXPOSE and HEALTHCHECK as ignored', async () => {
      const { entries } = await legacyImage({
        config: (config) => Object.assign(config.config, { User: 'root', ExposedPorts: { '80/tcp': {} }, Healthcheck: { Test: ['CMD', 'true'] } }),
      });

      const inspection = await inspect(entries);

      expect(inspection.ok).toBe(true);
      expect(inspection.notes.join('\n')).toMatch(/USER root is ignored[\s\S]*HEALTHCHECK is ignored[\s\S]*EXPOSE 80\/tcp is ignored/);
    });

    it('refuses a config that is not JSON', async () => {
      const { entries, configBytes } = await legacyImage();

      expect(rules(await inspect(withEntry(entries, `${sha256(configBytes)}.json`, (entry) => ({ ...entry, body: Buffer.from('{nope') }))))).toEqual([
        'config',
      ]);
    });
  });

  describe('inside the layers', () => {
    const layerRules = async (layerEntries: Entry[], gzipLayers = false) =>
      rules(await inspect((await legacyImage({ layers: [await tarOf(layerEntries)], gzipLayers })).entries));

    it('refuses ../../etc/passwd and absolute paths', async () => {
      expect(await layerRules([file('../../etc/passwd')])).toEqual(['path_escape']);
      expect(await layerRules([file('app/../../etc/passwd')], true)).toEqual(['path_escape']);
      expect(await layerRules([file('/etc/passwd')])).toEqual(['path_escape']);
    });

    it('refuses writing through a symlink created earlier in the same layer', async () => {
      const linkThenWrite = [{ name: 'a', type: 'symlink' as const, linkname: '/etc' }, file('a/passwd', 'root::0:0::/:/bin/sh')];
      const replacedFirst = [{ name: 'a', type: 'symlink' as const, linkname: '/etc' }, { name: 'a', type: 'directory' as const }, file('a/passwd')];

      expect(await layerRules(linkThenWrite)).toEqual(['link_then_write']);
      expect(await layerRules(linkThenWrite, true)).toEqual(['link_then_write']);
      expect(await layerRules(replacedFirst)).toEqual([]);
    });

    it('refuses hardlinks that escape the root or go through a symlink', async () => {
      expect(await layerRules([{ name: 'shadow', type: 'link', linkname: '../../etc/shadow' }])).toEqual(['path_escape']);
      expect(await layerRules([{ name: 'shadow', type: 'link', linkname: '/etc/shadow' }])).toEqual(['path_escape']);
      expect(
        await layerRules([
          { name: 'e', type: 'symlink', linkname: '/etc' },
          { name: 'shadow', type: 'link', linkname: 'e/shadow' },
        ]),
      ).toEqual(['link_then_write']);
      expect(await layerRules([file('bin/busybox'), { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' }])).toEqual([]);
    });

    it('refuses device nodes', async () => {
      expect(await layerRules([{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }])).toEqual(['entry_type']);
    });

    it('refuses a layer that is not a tar, or is zstd-compressed', async () => {
      const notTar = await legacyImage({ layers: [Buffer.from('this is not a tar archive, just text '.repeat(30))] });
      const zstd = await legacyImage({ layers: [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])] });

      expect(rules(await inspect(notTar.entries))).toEqual(['layer_format']);
      expect(rules(await inspect(zstd.entries))).toEqual(['layer_format']);
    });
  });

  describe('decompressed size', () => {
    it('accepts 8 MiB of zeros under the default cap and refuses it under a 4 MiB cap', async () => {
      const zeros = Buffer.alloc(8 * MiB);
      const { entries } = await legacyImage({ layers: [zeros], gzipLayers: true });

      const under = await inspect(entries);
      const over = await inspect(entries, SMALL_LIMITS);

      expect(under).toMatchObject({ ok: true, decompressedBytes: 8 * MiB });
      expect(rules(over)).toEqual(['decompressed_size']);
      expect(over.decompressedBytes).toBeLessThanOrEqual(4 * MiB + 64 * 1024);
    });

    it('refuses a 1 GiB gzip bomb layer inside a tarball, counting no further than the cap', async () => {
      // Concatenated gzip members are one valid gzip stream: 1,024 × (1 MiB of zeros) ≈ 1 MiB compressed.
      const member = zlib.gzipSync(Buffer.alloc(MiB));
      const members = 1024;
      const bomb: Entry = {
        name: 'bomb/layer.tar',
        stream: {
          size: member.length * members,
          chunks: async function* () {
            for (let i = 0; i < members; i++) yield member;
          },
        },
      };
      const configBytes = imageConfig([Buffer.alloc(0)]);
      const entries: Entry[] = [
        bomb,
        { name: 'config.json', body: configBytes },
        { name: 'manifest.json', body: Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: null, Layers: ['bomb/layer.tar'] }])) },
      ];

      const inspection = await inspect(entries, SMALL_LIMITS);

      expect(rules(inspection)).toEqual(['decompressed_size']);
      expect(inspection.decompressedBytes).toBeGreaterThan(4 * MiB);
      expect(inspection.decompressedBytes).toBeLessThanOrEqual(4 * MiB + 64 * 1024);
    });

    it('stops reading a gzip bomb layer as soon as the cap is passed, without inflating the rest', async () => {
      // 1024 × (4 MiB of zeros) = 4 GiB inflated, generated as it is read; `pulled` counts what was read.
      // (Node 22+ streams buffer 64 KiB each, four times Node 20's: about 60 members are read ahead.)
      const member = zlib.gzipSync(Buffer.alloc(4 * MiB));
      const members = 1024;
      let pulled = 0;
      const bomb = Readable.from(
        (async function* () {
          for (; pulled < members; pulled++) yield member;
        })(),
        { objectMode: false },
      );
      const findings = new IntakeFindings();
      const decompressedBudget = new Budget(4 * MiB, (used) => new IntakeLimitError('decompressed_size', `over the cap at ${used}`));

      const reading = inspectLayer(bomb, { label: 'layer 1', decompressedBudget, entryBudget: new Budget(1000, () => new Error('too many')), findings });

      await expect(reading).rejects.toMatchObject({ rule: 'decompressed_size' });
      expect(decompressedBudget.used).toBeLessThanOrEqual(4 * MiB + 64 * 1024);
      // Only the first few members were read (the rest of the pipeline's buffers are a few more).
      expect(pulled).toBeLessThan(members / 8);
      expect(bomb.destroyed).toBe(true);
    });
  });
});

describe('reading tar as the engine does (Go archive/tar)', () => {
  const inspectWithLayer = async (layer: Buffer) => inspect((await legacyImage({ layers: [layer] })).entries);
  const layerRules = async (layer: Buffer) => rules(await inspectWithLayer(layer));
  const hiddenDevice = rawHeader({ name: 'dev/sda', flag: '4', size: 0 });
  const shell = Buffer.from('root::0:0::/:/bin/sh\n');

  it('refuses a layer with a PAX global header, which tar-stream would merge into the next entry and Docker ignores', async () => {
    // tar-stream names the last entry b/passwd (from the global header); Docker writes a/passwd through the link.
    const layer = rawTar(
      rawEntry({ name: 'a', flag: '2', linkname: '/etc' }),
      paxEntry({ path: 'b/passwd' }, 'g'),
      paxEntry({ mtime: '0' }),
      rawEntry({ name: 'a/passwd' }, shell),
    );
    const withoutGlobal = rawTar(rawEntry({ name: 'a', flag: '2', linkname: '/etc' }), paxEntry({ mtime: '0' }), rawEntry({ name: 'a/passwd' }, shell));

    const inspection = await inspectWithLayer(layer);

    expect(rules(inspection)).toEqual(['tar_header']);
    expect(messages(inspection)).toMatch(/layer 1 .*: a PAX global header \(type g\): Docker ignores it/);
    expect(await layerRules(withoutGlobal)).toEqual(['link_then_write']);
  });

  it('refuses a PAX global header in the outer archive', async () => {
    const { entries } = await legacyImage();
    const tarball = Buffer.concat([paxEntry({ path: 'manifest.json' }, 'g'), await tarOf(entries)]);

    const inspection = await inspectImageTarball(Readable.from([tarball]), DEFAULT_PLATFORM_LIMITS);

    expect(rules(inspection)).toEqual(['tar_header']);
    expect(messages(inspection)).toMatch(/^tar_header: the tarball: a PAX global header/);
  });

  it('refuses a PAX path or size that disagrees with the ustar header, and accepts the forms writers use', async () => {
    const longName = `app/${'d'.repeat(60)}/${'f'.repeat(60)}.txt`;
    const disagreeingPath = rawTar(paxEntry({ path: 'app/innocent.txt' }), rawEntry({ name: 'etc/other' }, shell));
    const disagreeingSize = rawTar(paxEntry({ size: '0' }), rawEntry({ name: 'app/a' }, hiddenDevice));
    const sloppySize = rawTar(paxEntry({ size: '21abc' }), rawEntry({ name: 'app/a' }, shell));
    // What Go's archive/tar and GNU tar write for a long name: the ustar field holds its first 100 bytes.
    const goLongName = rawTar(paxEntry({ path: longName }), rawEntry({ name: longName.slice(0, 100) }, shell));
    // Non-ASCII: GNU tar keeps the UTF-8 bytes, Go drops the other characters, Python writes "?".
    const gnuUnicode = rawTar(paxEntry({ path: 'app/ünï.txt' }), rawEntry({ name: 'app/ünï.txt' }, shell));
    const goUnicode = rawTar(paxEntry({ path: 'app/ünï.txt' }), rawEntry({ name: 'app/n.txt' }, shell));
    const pythonUnicode = rawTar(paxEntry({ path: 'app/ünï.txt' }), rawEntry({ name: 'app/?n?.txt' }, shell));
    const matchingSize = rawTar(paxEntry({ size: String(shell.length) }), rawEntry({ name: 'app/a' }, shell));

    expect(messages(await inspectWithLayer(disagreeingPath))).toMatch(
      /tar_header: .*the path "app\/innocent.txt" in a PAX or GNU long-name record disagrees with the header's own "etc\/other"/,
    );
    expect(messages(await inspectWithLayer(disagreeingSize))).toMatch(/tar_header: .*"app\/a" has the PAX size "0" but the ustar size 512/);
    expect(messages(await inspectWithLayer(sloppySize))).toMatch(/tar_header: .*PAX size "21abc"/);
    for (const accepted of [goLongName, gnuUnicode, goUnicode, pythonUnicode, matchingSize]) expect(await layerRules(accepted)).toEqual([]);
  });

  it('judges the name a PAX record or GNU long name gives, and refuses both at once', async () => {
    const escape = `app/${'x'.repeat(100)}/../../../etc/passwd`;
    const gnuLong = rawTar(
      rawEntry({ name: '././@LongLink', flag: 'L', format: 'gnu' }, Buffer.from(escape)),
      rawEntry({ name: escape.slice(0, 100), format: 'gnu' }, shell),
    );
    const both = rawTar(
      rawEntry({ name: '././@LongLink', flag: 'L', format: 'gnu' }, Buffer.from('app/from-gnu')),
      paxEntry({ path: 'app/from-gnu' }),
      rawEntry({ name: 'app/from-gnu' }, shell),
    );
    const twoPax = rawTar(paxEntry({ mtime: '0' }), paxEntry({ mtime: '1' }), rawEntry({ name: 'app/a' }, shell));

    expect(await layerRules(gnuLong)).toEqual(['path_escape']);
    expect(messages(await inspectWithLayer(both))).toMatch(/tar_header: .*in both a PAX record and a GNU long-name header/);
    expect(messages(await inspectWithLayer(twoPax))).toMatch(/tar_header: .*two PAX headers for one entry/);
  });

  it('refuses a link or directory with a data size, behind which tar-stream would hide an entry', async () => {
    // Go reads no data for a symlink: the next block is a device node to Docker, the symlink's data to tar-stream.
    const sizedLink = rawTar(rawEntry({ name: 'app/link', flag: '2', linkname: 'target' }, hiddenDevice));
    const sizedDirectory = rawTar(rawEntry({ name: 'app', flag: '5' }, hiddenDevice));

    expect(messages(await inspectWithLayer(sizedLink))).toMatch(/tar_header: .*"app\/link" is a symlink with 512 bytes of data/);
    expect(messages(await inspectWithLayer(sizedDirectory))).toMatch(/tar_header: .*"app" is a directory with 512 bytes of data/);
  });

  it('refuses a regular file named like a directory, which tar-stream reads as one (and then its data as headers)', async () => {
    const layer = rawTar(rawEntry({ name: 'app/', flag: '0' }, Buffer.concat([rawHeader({ name: 'app/x', size: 0 }), Buffer.alloc(512)])));

    expect(messages(await inspectWithLayer(layer))).toMatch(/tar_header: .*"app\/" is a regular file whose name ends in "\/"/);
  });

  it('refuses sparse files, GNU (S) or PAX', async () => {
    const gnuSparse = rawTar(rawEntry({ name: 'app/sparse', flag: 'S', format: 'gnu' }, shell));
    const paxSparse = rawTar(
      paxEntry({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'etc/passwd' }),
      rawEntry({ name: 'app/sparse' }, shell),
    );

    expect(messages(await inspectWithLayer(gnuSparse))).toMatch(/tar_header: .*GNU sparse file \(type S\)/);
    expect(messages(await inspectWithLayer(paxSparse))).toMatch(/tar_header: .*GNU sparse file \(PAX GNU.sparse/);
  });

  it('refuses data after the end-of-archive marker, where Docker stops reading and tar-stream reads on', async () => {
    const hidden = Buffer.concat([rawTar(rawEntry({ name: 'app/a' }, shell)), rawEntry({ name: 'app/b' }, shell)]);
    // GNU tar pads archives with zeros to 10 KiB: that is no data.
    const zeroPadded = Buffer.concat([rawTar(rawEntry({ name: 'app/a' }, shell)), Buffer.alloc(8 * 1024)]);

    expect(messages(await inspectWithLayer(hidden))).toMatch(/tar_header: .*data follows the end-of-archive marker/);
    expect(await layerRules(zeroPadded)).toEqual([]);
  });

  it('refuses names that are not UTF-8, GNU headers with a prefix in their time fields, the star format, malformed PAX', async () => {
    const latin1 = rawTar(rawEntry({ name: Buffer.from([0x61, 0x70, 0x70, 0x2f, 0xe9]) }, shell));
    // Go's archive/tar reads this as etc/passwd (its fallback for headers written by old Go), tar-stream as passwd.
    const gnuPrefix = rawTar(rawEntry({ name: 'passwd', format: 'gnu', poke: { offset: 345, bytes: Buffer.from('etc') } }, shell));
    const star = rawTar(rawEntry({ name: 'passwd', format: 'star', prefix: 'etc' }, shell));
    const malformed = rawTar(rawEntry({ name: 'PaxHeaders/a', flag: 'x' }, Buffer.from('99 path=app/a\n')), rawEntry({ name: 'app/a' }, shell));
    const dangling = Buffer.concat([rawEntry({ name: 'app/a' }, shell), paxEntry({ path: 'app/b' }), Buffer.alloc(1024)]);

    expect(messages(await inspectWithLayer(latin1))).toMatch(/tar_header: .*is not valid UTF-8/);
    expect(messages(await inspectWithLayer(gnuPrefix))).toMatch(/tar_header: .*GNU header with a name prefix in its time fields/);
    expect(messages(await inspectWithLayer(star))).toMatch(/tar_header: .*star-format header/);
    expect(messages(await inspectWithLayer(malformed))).toMatch(/tar_header: .*a malformed PAX header/);
    expect(messages(await inspectWithLayer(dangling))).toMatch(/tar_header: .*ends with a PAX or GNU long-name header that describes no entry/);
  });

  it('accepts PAX headers up to 1 MiB and refuses larger ones, as Docker does', async () => {
    // One record of exactly `bytes` bytes: "<bytes> comment=ccc…\n".
    const paxOfSize = (bytes: number) => paxRecords({ comment: 'c'.repeat(bytes - String(bytes).length - ' comment=\n'.length) });
    const header = (bytes: number) => rawTar(rawEntry({ name: 'PaxHeaders/a', flag: 'x' }, paxOfSize(bytes)), rawEntry({ name: 'app/a' }, shell));

    expect(paxOfSize(1024 * 1024)).toHaveLength(1024 * 1024);
    expect(await layerRules(header(1024 * 1024))).toEqual([]);
    expect(messages(await inspectWithLayer(header(1024 * 1024 + 1)))).toMatch(/tar_header: .*a PAX header of 1048577 bytes/);
  });

  it('refuses outer names that are not printable ASCII', async () => {
    const { entries } = await legacyImage();
    const withoutEnd = (await tarOf(entries)).subarray(0, -1024);
    const tarball = rawTar(withoutEnd, rawEntry({ name: 'notes-ü.txt' }, Buffer.from('hello')));

    const inspection = await inspectImageTarball(Readable.from([tarball]), DEFAULT_PLATFORM_LIMITS);

    expect(messages(inspection)).toMatch(/^tar_header: tarball entry "notes-ü.txt" has characters other than printable ASCII/);
  });
});

describe('reading JSON as the engine does (Go encoding/json)', () => {
  it('refuses a config with "config" twice: JavaScript keeps the last, Go merges both (and the volume)', async () => {
    const { entries } = await legacyImage({ configText: (json) => json.replace('"config":{', '"config":{"Volumes":{"/data":{}}},"config":{') });

    const inspection = await inspect(entries);

    expect(rules(inspection)).toEqual(['duplicate_key']);
    expect(messages(inspection)).toMatch(/the config .* has the key "config" twice$/m);
  });

  it('refuses keys that differ only in case anywhere, labels included, and says where', async () => {
    const nested = await legacyImage({ configText: (json) => json.replace('"Env":', '"ENV":["LOCKBOX_X=1"],"Env":') });
    const labels = await legacyImage({
      config: (config) => (config.config.Labels = { a: '1' }),
      configText: (json) => json.replace('"Labels":{', '"Labels":{"A":"2",'),
    });

    expect(messages(await inspect(nested.entries))).toMatch(/duplicate_key: .* has both "ENV" and "Env", which Docker reads as one key in config$/m);
    expect(messages(await inspect(labels.entries))).toMatch(/duplicate_key: .* has both "A" and "a", which Docker reads as one key in config.Labels$/m);
  });

  it('refuses duplicate keys in manifest.json, index.json and OCI manifests', async () => {
    const legacy = await legacyImage();
    const manifest = withEntry(legacy.entries, 'manifest.json', (entry) => ({
      ...entry,
      body: Buffer.from(entry.body!.toString().replace('"Layers":', '"Layers":[],"Layers":')),
    }));
    const oci = await ociImage();
    const index = withEntry(oci.entries, 'index.json', (entry) => ({
      ...entry,
      body: Buffer.from(entry.body!.toString().replace('"manifests":', '"manifests":[],"manifests":')),
    }));
    const ociManifest = await ociImage({ manifestText: (json) => json.replace('"layers":', '"LAYERS":[],"layers":') });

    expect(messages(await inspect(manifest))).toMatch(/^duplicate_key: manifest.json has the key "Layers" twice in \[0\]$/);
    expect(messages(await inspect(index))).toMatch(/^duplicate_key: index.json has the key "manifests" twice$/);
    expect(messages(await inspect(ociManifest.entries))).toMatch(/^duplicate_key: the manifest sha256:[a-f0-9]{64} has both "LAYERS" and "layers"/);
  });

  it('refuses a config that is not UTF-8, or has an escaped lone surrogate, or nests too deep', async () => {
    const latin1 = await legacyImage({ configText: (json) => json.replace('"PATH=/bin"', '"PATH=/bin\u00e9"') });
    const latin1Entries = withEntry(latin1.entries, `${sha256(latin1.configBytes)}.json`, (entry) => ({
      ...entry,
      body: Buffer.from(entry.body!.toString(), 'latin1'),
    }));
    const surrogate = await legacyImage({ configText: (json) => json.replace('"Env":', '"\\ud800":1,"Env":') });
    const deep = await legacyImage({ configText: (json) => json.replace('"Env":', `"Deep":${'['.repeat(70)}${']'.repeat(70)},"Env":`) });

    expect(rules(await inspect(latin1Entries))).toEqual(['config']);
    expect(messages(await inspect(latin1Entries))).toMatch(/is not valid UTF-8/);
    expect(messages(await inspect(surrogate.entries))).toMatch(/^config: .* has an escaped lone surrogate/);
    expect(messages(await inspect(deep.entries))).toMatch(/^json_size: .* nests objects and arrays more than 64 levels deep/);
  });
});

describe('walkTar', () => {
  const shell = Buffer.from('#!/bin/sh\n');
  const walk = async (bytes: Buffer, readAtMost = Infinity) => {
    const seen: { name: string; offset: number; read: string }[] = [];
    await walkTar(Readable.from([bytes]), async (header, body) => {
      let read = '';
      for await (const chunk of body) {
        read += chunk.toString('latin1');
        if (read.length >= readAtMost) break;
      }
      seen.push({ name: header.name, offset: header.byteOffset, read: read.slice(0, readAtMost) });
    });
    return seen;
  };

  it('hands on each entry with where its data starts, whether or not onEntry reads all of it', async () => {
    const bytes = rawTar(rawEntry({ name: 'a' }, Buffer.alloc(700, 0x61)), paxEntry({ mtime: '1' }), rawEntry({ name: 'b' }, shell));

    expect(await walk(bytes, 3)).toEqual([
      { name: 'a', offset: 512, read: 'aaa' },
      { name: 'b', offset: 512 * 6, read: '#!/' },
    ]);
  });

  it('ends at the end of the stream without an end-of-archive marker, as Go does, and refuses a cut header or a header after a zero block', async () => {
    const entry = rawEntry({ name: 'a' }, shell);

    expect(await walk(entry)).toEqual([{ name: 'a', offset: 512, read: shell.toString() }]);
    await expect(walk(Buffer.concat([entry, Buffer.alloc(100)]))).rejects.toThrow(TarFormatError);
    await expect(walk(Buffer.concat([entry, Buffer.alloc(512), entry]))).rejects.toThrow('a zero block is followed by a header');
  });
});

describe('parseImageJson', () => {
  const nested = (levels: number) => Buffer.from(`${'['.repeat(levels)}${']'.repeat(levels)}`);

  it('reads what JSON.parse reads', () => {
    for (const text of ['{}', '[]', ' {"a":[1,-2.5e3,true,false,null,"x\\"\\u00e9\\ud83d\\ude00"],"b":{"c":{}}} ', '"s"', '0', '[[],[{}],{"a":[]}]']) {
      expect(parseImageJson(Buffer.from(text))).toEqual({ value: JSON.parse(text) });
    }
  });

  it('refuses what JSON.parse refuses', () => {
    for (const text of ['', '{', '{"a":1,}', '[1 2]', '{"a" 1}', '01', '"\\x"', '"a\nb"', '{} {}', 'nul', '{"a":1}]']) {
      expect(parseImageJson(Buffer.from(text)).problem?.kind).toBe('syntax');
      expect(() => JSON.parse(text)).toThrow();
    }
  });

  it('refuses a key twice in one object, also when spelled in another case or escaped, but not in two objects', () => {
    expect(parseImageJson(Buffer.from('{"a":{"x":1},"b":{"x":2}}')).value).toEqual({ a: { x: 1 }, b: { x: 2 } });
    expect(parseImageJson(Buffer.from('{"a":1,"\\u0061":2}')).problem?.message).toBe('has the key "a" twice');
    expect(parseImageJson(Buffer.from('[{"k":1,"\u212a":2}]')).problem?.message).toBe('has both "k" and "\u212a", which Docker reads as one key in [0]');
  });

  it('accepts 1 MiB and refuses a byte more, unread', () => {
    const document = (bytes: number) => Buffer.from(`"${'x'.repeat(bytes - 2)}"`);

    expect(parseImageJson(document(1024 * 1024)).problem).toBeUndefined();
    expect(parseImageJson(document(1024 * 1024 + 1)).problem).toEqual({ kind: 'size', message: 'has 1048577 bytes; JSON documents are capped at 1 MiB' });
  });

  it('accepts 64 levels of nesting and refuses 65', () => {
    expect(parseImageJson(nested(64)).problem).toBeUndefined();
    expect(parseImageJson(nested(65)).problem?.kind).toBe('depth');
  });

  it('refuses invalid UTF-8 and lone surrogates, accepts surrogate pairs', () => {
    expect(parseImageJson(Buffer.from([0x22, 0xff, 0x22])).problem?.kind).toBe('encoding');
    expect(parseImageJson(Buffer.from('"\\udc00"')).problem?.kind).toBe('encoding');
    expect(parseImageJson(Buffer.from('"\\ud800x"')).problem?.kind).toBe('encoding');
    expect(parseImageJson(Buffer.from('"\\ud83d\\ude00"')).value).toBe('\u{1f600}');
  });
});

describe('layouts and layer links', () => {
  it("accepts skopeo's and podman's docker-archive: root-level layers linked from <id>/layer.tar", async () => {
    const { entries, configBytes } = await linkedArchiveImage();

    const inspection = await inspect(entries);

    expect(inspection.violations).toEqual([]);
    expect(inspection).toMatchObject({ ok: true, layout: 'docker-archive-links', layers: 2, imageId: `sha256:${sha256(configBytes)}` });
  });

  it('refuses every other link: out of the archive, to a non-layer, to a link (a loop), to nothing, to a directory', async () => {
    const { entries, configBytes } = await linkedArchiveImage();
    const link = entries.find((entry) => entry.type === 'symlink')!;
    const relink = (linkname: string, extra: Entry[] = []) => [...withEntry(entries, link.name, () => ({ ...link, linkname })), ...extra];
    const loop = [
      ...entries,
      { name: 'loop-a/layer.tar', type: 'symlink' as const, linkname: '../loop-b/layer.tar' },
      { name: 'loop-b/layer.tar', type: 'symlink' as const, linkname: '../loop-a/layer.tar' },
    ];

    expect(messages(await inspect(relink('../../etc/passwd')))).toMatch(
      /^path_escape: tarball entry ".*\/layer.tar" is a symlink to "..\/..\/etc\/passwd", outside the tarball$/,
    );
    expect(messages(await inspect(relink(`../${sha256(configBytes)}.json`)))).toMatch(/^link_target: .* which the manifest does not name as a layer$/);
    expect(messages(await inspect(loop))).toMatch(
      /^link_target: tarball entry "loop-a\/layer.tar" .* which is itself a link \(chains and loops of links are not followed\)$/m,
    );
    expect(messages(await inspect(relink('../missing.tar')))).toMatch(/^link_target: .* which is not in the tarball$/);
    expect(messages(await inspect(relink('../extra', [{ name: 'extra/', type: 'directory' }])))).toMatch(
      /^link_target: .* which is a directory, not a layer file$/,
    );
  });

  it('refuses a manifest.json layer named through a link to a link, and an entry below a file', async () => {
    const { entries } = await linkedArchiveImage();
    const [item] = JSON.parse(entries.find((entry) => entry.name === 'manifest.json')!.body!.toString());
    const link = entries.find((entry) => entry.type === 'symlink')!;
    const chained = withEntry([...entries, { name: 'chain/layer.tar', type: 'symlink', linkname: `../${link.name}` }], 'manifest.json', (entry) => ({
      ...entry,
      body: Buffer.from(JSON.stringify([{ ...item, Layers: ['chain/layer.tar', item.Layers[1]] }])),
    }));

    expect(messages(await inspect(chained))).toMatch(/^link_target: manifest.json's layer 1 "chain\/layer.tar" is a link to a link/);
    expect(messages(await inspect([...entries, file('manifest.json/x')]))).toMatch(
      /^duplicate_entry: tarball entry "manifest.json\/x" is below "manifest.json", which is a file, not a directory$/,
    );
  });

  it('accepts the OCI layout with nested indexes (up to 2) and with a manifest.json beside it (Docker 25)', async () => {
    const nested = await ociImage({ nestedIndexes: 2 });
    const tooDeep = await ociImage({ nestedIndexes: 3 });
    const docker25 = await ociImage({ uncompressedLayers: true, legacyManifest: true });

    expect(await inspect(nested.entries)).toMatchObject({ ok: true, layout: 'oci-layout', imageId: `sha256:${sha256(nested.configBytes)}` });
    expect(messages(await inspect(tooDeep.entries))).toMatch(/^layout: the index sha256:[a-f0-9]{64} nests image indexes more than 2 levels deep$/);
    const inspection = await inspect(docker25.entries);
    expect(inspection).toMatchObject({ ok: true, layout: 'oci-layout', imageId: `sha256:${sha256(docker25.configBytes)}` });
    expect(inspection.notes.join('\n')).toMatch(/both manifest.json and an OCI index.json; they name the same image/);
  });

  it('refuses an OCI manifest naming a missing blob, and an index with images for two platforms', async () => {
    const { entries } = await ociImage();
    const missing = entries.filter(
      (entry) => entry.body?.[0] !== 0x1f || entry.body === undefined || !entry.name.startsWith('blobs/sha256/') || entry === entries[2],
    );
    const twoPlatforms = await ociImage({
      index: (index) => index.manifests.push({ ...index.manifests[0], platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } }),
    });

    expect(messages(await inspect(missing))).toMatch(/^layout: layer 2 \(sha256:[a-f0-9]{64}\) is not in the tarball$/);
    expect(messages(await inspect(twoPlatforms.entries))).toMatch(
      /^multiple_images: index.json names 2 images \(linux\/amd64, linux\/arm64\/v8\); submit exactly one$/,
    );
  });

  (ZSTD_LAYERS_READABLE ? it : it.skip)('reads zstd-compressed layers with zlib where this Node.js has zstd', async () => {
    const layer = await tarOf([file('app/a.txt')]);
    const compress = (zlib as unknown as { zstdCompressSync: (data: Buffer) => Buffer }).zstdCompressSync;
    const { entries } = await legacyImage({ layers: [layer] });
    const zstd = withEntry(entries, 'layer0/layer.tar', (entry) => ({ ...entry, body: compress(layer) }));

    const inspection = await inspect(zstd);

    expect(inspection.violations).toEqual([]);
    expect(inspection.notes.join('\n')).toMatch(/zstd/);
  });

  (ZSTD_LAYERS_READABLE ? it.skip : it)('refuses zstd-compressed layers, saying why, where this Node.js has no zstd', async () => {
    const { entries } = await legacyImage({ layers: [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])] });

    expect(messages(await inspect(entries))).toMatch(
      /^layer_format: layer 1 .* is zstd-compressed; this platform's Node.js \(v\d+\.\d+\.\d+\) cannot read zstd \(it needs 22.15 or later\)/,
    );
  });
});

describe('sanitizeImageTarball', () => {
  async function entriesOf(tarball: Readable): Promise<Map<string, Buffer>> {
    const entries = new Map<string, Buffer>();
    await walkTar(tarball, async (header, body) => {
      entries.set(header.name, await collect(body));
    });
    return entries;
  }

  it('drops repositories, empties RepoTags and passes every other entry through unchanged', async () => {
    const { entries } = await legacyImage({ repoTags: ['lockbox/node-base:20'] });

    const sanitized = await entriesOf(sanitizeImageTarball(packTar(entries)));

    expect(sanitized.has('repositories')).toBe(false);
    const [item] = JSON.parse(sanitized.get('manifest.json')!.toString());
    expect(item.RepoTags).toBeNull();
    for (const entry of entries.filter((e) => e.name !== 'manifest.json' && e.name !== 'repositories')) {
      expect(sanitized.get(entry.name)).toEqual(entry.body);
    }
  });

  it('rebuilds manifest.json items so a case-variant "repotags" key cannot survive', async () => {
    const { entries } = await legacyImage();
    const sneaky = withEntry(entries, 'manifest.json', (entry) => {
      const [{ RepoTags: _tags, ...item }] = JSON.parse(entry.body!.toString());
      return { ...entry, body: Buffer.from(JSON.stringify([{ ...item, repotags: ['lockbox/node-base:20'] }])) };
    });

    const sanitized = await entriesOf(sanitizeImageTarball(packTar(sneaky)));

    expect(Object.keys(JSON.parse(sanitized.get('manifest.json')!.toString())[0])).toEqual(['Config', 'RepoTags', 'Layers']);
  });

  it('fails on a manifest.json with keys Docker would merge ("RepoTags" beside "repotags")', async () => {
    const { entries } = await legacyImage();
    const merged = withEntry(entries, 'manifest.json', (entry) => ({
      ...entry,
      body: Buffer.from(entry.body!.toString().replace('"RepoTags":', '"repotags":["lockbox/node-base:20"],"RepoTags":')),
    }));

    await expect(collect(sanitizeImageTarball(packTar(merged)))).rejects.toThrow(/both "repotags" and "RepoTags"/);
  });

  it('strips image-name annotations from an OCI index.json, keeping the others', async () => {
    const { entries } = await ociImage();

    const sanitized = await entriesOf(sanitizeImageTarball(Readable.from([zlib.gzipSync(await tarOf(entries))])));

    const index = JSON.parse(sanitized.get('index.json')!.toString());
    expect(index.manifests[0].annotations).toEqual({ keep: 'me' });
  });

  it('appends a manifest.json to an OCI-only layout, naming the same config and layers, untagged', async () => {
    const { entries, configBytes } = await ociImage();

    const sanitized = await collect(sanitizeImageTarball(packTar(entries)));
    const manifest = JSON.parse((await entriesOf(Readable.from([sanitized]))).get('manifest.json')!.toString());
    const inspection = await inspectImageTarball(Readable.from([sanitized]), DEFAULT_PLATFORM_LIMITS);

    expect(manifest).toEqual([
      { Config: `blobs/sha256/${sha256(configBytes)}`, RepoTags: null, Layers: [expect.stringMatching(/^blobs\/sha256\//), expect.any(String)] },
    ]);
    // Both layouts now, naming the same image: what the engine loads is what was inspected.
    expect(inspection).toMatchObject({ ok: true, layout: 'oci-layout', imageId: `sha256:${sha256(configBytes)}` });
  });

  it('produces a tarball that still inspects as the same image', async () => {
    const { entries, configBytes } = await legacyImage();

    const inspection = await inspectImageTarball(sanitizeImageTarball(packTar(entries)), DEFAULT_PLATFORM_LIMITS);

    expect(inspection).toMatchObject({ ok: true, imageId: `sha256:${sha256(configBytes)}` });
  });

  it('fails the output stream when the tarball cannot be read', async () => {
    await expect(collect(sanitizeImageTarball(Readable.from([Buffer.alloc(4096, 7)])))).rejects.toThrow();
  });
});
