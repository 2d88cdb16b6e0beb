// Intake of a submitted image tarball before `docker load` (ARCHITECTURE §5): a streaming inspection that
// never extracts the image and never holds a layer in memory.
//
// Why the tarball is spooled to a temp file first: tar entries come in any order, and `docker save` writes
// manifest.json (legacy) or index.json (OCI) after the layers, so the layers cannot be judged until the
// manifest and config that name them have been read. The spool is read once to index the entries (names,
// types, offsets), the small JSON documents are then read by offset, and each layer is streamed by offset
// through gunzip and a tar parser. One read of the source (e.g. one S3 GET); at most the upload cap on disk.
//
// What ties the inspection to what runs: the image ID is the sha256 of the config bytes; each layer's
// uncompressed sha256 is checked against the config's rootfs.diff_ids here, and again by the engine on load;
// ImageLoader then checks that the loaded image has exactly this ID.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { checkImageConfig, type PlatformLimits } from '@lockbox/analysis-sdk';
import { asObject, foldCase, IntakeFindings, IntakeLimitError, type IntakeRule, type IntakeViolation, quoteName } from './image-intake-rules';
import { IMAGE_JSON_MAX_BYTES, type ImageJsonProblemKind, parseImageJson } from './image-json';
import { inspectLayer, type LayerReading } from './image-layer-inspection';
import { imageManifestsOf, MAX_NESTED_INDEXES, MEDIA_TYPES } from './oci-index';
import {
  Budget,
  ByteMeter,
  COMPRESSION_MAGIC_BYTES,
  detectCompression,
  ENTRY_PATH_PROBLEMS,
  isZlibError,
  normalizeEntryPath,
  peekStream,
  readAll,
  TarFormatError,
  type TarHeader,
  TarHeaderError,
  walkTar,
} from './tar-archive';

export type { IntakeRule, IntakeViolation } from './image-intake-rules';

/**
 * The layout intake found, named in the check report:
 * - `docker-save`: manifest.json naming `<id>/layer.tar` files (docker save up to Docker 24), where a layer
 *   that appears twice may be a link to the other `<id>/layer.tar`;
 * - `docker-archive-links`: manifest.json naming layer files stored at the archive's root, each with a
 *   `<id>/layer.tar` link to it (skopeo's and podman's docker-archive, containers/image);
 * - `oci-layout`: an OCI image layout (oci-layout, index.json, blobs/sha256/), possibly through nested
 *   indexes, with or without a manifest.json beside it (skopeo's oci-archive, buildah, umoci, Docker 25+'s
 *   docker save, nerdctl). With a manifest.json, both must name the same image.
 */
export type ImageLayout = 'docker-save' | 'docker-archive-links' | 'oci-layout';

/** The parts of the image config a reviewer looks at. */
export interface ImageConfigSummary {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  user?: string;
  workingDir?: string;
  labels: Record<string, string>;
  exposedPorts: string[];
  volumes: string[];
  /** rootfs.diff_ids: the uncompressed sha256 of each layer, in order. */
  diffIds: string[];
}

export interface ImageInspection {
  /** True when there are no violations: the tarball may be loaded. */
  ok: boolean;
  /** `sha256:` + sha256 of the config JSON exactly as stored: the engine's image ID. Set once the config was found. */
  imageId?: string;
  /** Unset when the tarball is not even a tar, or has neither manifest.json nor index.json. */
  layout?: ImageLayout;
  architecture?: string;
  os?: string;
  /** Layers the manifest names (even past the cap). */
  layers: number;
  /** Bytes received (before any outer gzip was undone). */
  tarballBytes: number;
  /** Bytes of the layers as stored in the tarball. */
  compressedBytes: number;
  /** Bytes of the layers after decompression; where a cap stopped the inspection, the count at that point. */
  decompressedBytes: number;
  config?: ImageConfigSummary;
  violations: IntakeViolation[];
  notes: string[];
}

export interface InspectImageOptions {
  /** Where the tarball is spooled while it is inspected; the OS temp directory by default. */
  tmpDir?: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;
export { IMAGE_JSON_MAX_BYTES } from './image-json';
const MAX_OUTER_ENTRIES = 10_000;
/**
 * Outer names are short (`blobs/sha256/<64 hex>`, `<64 hex>/layer.tar`) printable ASCII; within this a
 * plain ustar header holds any of them, so the sanitized tarball needs no PAX record for a name.
 */
const MAX_OUTER_NAME_BYTES = 100;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Bounds the memory spent on per-entry state across all layers; large real images have ~10^5 files. */
const MAX_LAYER_ENTRIES = 1_000_000;
/** A gzip-compressed outer tar holds the layers (at most their decompressed size) plus small JSON files. */
const OUTER_TAR_OVERHEAD_BYTES = 64 * MiB;

const DIGEST = /^sha256:([a-f0-9]{64})$/;
/** Where docker save puts a layer, and the only place a link may be: `<id>/layer.tar`. */
const LEGACY_LAYER_PATH = /^[^/]+\/layer\.tar$/;

/**
 * Inspects an image tarball (any layout of ImageLayout, optionally gzip-compressed as a whole) read from
 * `source`. Content problems are returned as violations; only platform faults (the source
 * or the disk failing) throw. The tarball is spooled to a private temp directory that is always removed.
 */
export async function inspectImageTarball(source: Readable, limits: PlatformLimits, options: InspectImageOptions = {}): Promise<ImageInspection> {
  const directory = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'lockbox-intake-'));
  try {
    const spoolPath = join(directory, 'image.tar');
    const spool = await spoolTarball(source, spoolPath, limits);
    if (spool.violation) return refused(spool.violation, spool.receivedBytes);
    const inspection = await inspectImageTarballFile(spoolPath, limits);
    inspection.tarballBytes = spool.receivedBytes;
    if (spool.gzip) inspection.notes.unshift('the tarball is gzip-compressed as a whole; it is decompressed before docker load');
    return inspection;
  } finally {
    source.destroy();
    await rm(directory, { recursive: true, force: true });
  }
}

/** Inspects an uncompressed image tarball that is already a local file (e.g. a spool). */
async function inspectImageTarballFile(path: string, limits: PlatformLimits): Promise<ImageInspection> {
  return new TarballInspection(path, limits).run();
}

interface SpoolResult {
  receivedBytes: number;
  gzip: boolean;
  violation?: IntakeViolation;
}

/** Copies the source to `path`, undoing an outer gzip, with the upload and decompression caps enforced while copying. */
async function spoolTarball(source: Readable, path: string, limits: PlatformLimits): Promise<SpoolResult> {
  const received = new ByteMeter(
    new Budget(limits.imageTarballMaxBytes, () => new IntakeLimitError('tarball_size', `the tarball is larger than ${bytesText(limits.imageTarballMaxBytes)}`)),
  );
  const { head, stream } = await peekStream(source, COMPRESSION_MAGIC_BYTES);
  const compression = detectCompression(head);
  if (compression !== 'none' && compression !== 'gzip') {
    stream.destroy();
    const message = `the tarball is ${compression}-compressed; send it uncompressed or gzip-compressed`;
    return { receivedBytes: head.length, gzip: false, violation: { rule: 'not_a_tar', message } };
  }
  const file = createWriteStream(path, { mode: 0o600 });
  try {
    if (compression === 'gzip') {
      const outerCap = limits.imageDecompressedMaxBytes + OUTER_TAR_OVERHEAD_BYTES;
      const unpacked = new ByteMeter(
        new Budget(outerCap, () => new IntakeLimitError('decompressed_size', `the gzip-compressed tarball decompresses to more than ${bytesText(outerCap)}`)),
      );
      await pipeline(stream, received, createGunzip(), unpacked, file);
    } else {
      await pipeline(stream, received, file);
    }
  } catch (error) {
    if (error instanceof IntakeLimitError) return { receivedBytes: received.bytes, gzip: false, violation: { rule: error.rule, message: error.message } };
    if (isZlibError(error)) {
      return { receivedBytes: received.bytes, gzip: false, violation: { rule: 'not_a_tar', message: `the tarball is not valid gzip: ${error.message}` } };
    }
    throw error;
  }
  return { receivedBytes: received.bytes, gzip: compression === 'gzip' };
}

function refused(violation: IntakeViolation, tarballBytes: number): ImageInspection {
  return { ok: false, layers: 0, tarballBytes, compressedBytes: 0, decompressedBytes: 0, violations: [violation], notes: [] };
}

/** One entry of the outer archive, as indexed on the first read of the spool. */
interface OuterEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink';
  size: number;
  /** Where the entry's data starts in the spool. */
  offset: number;
  linkname?: string;
  /** For a symlink: the normalized path it points to, inside the tarball (what is there is judged by checkLinks). */
  target?: string;
}

/** A layer to stream, and what its bytes must hash to. */
interface LayerPlan {
  label: string;
  entry: OuterEntry;
  /** OCI: the hex sha256 the blob's name and descriptor promise. */
  expectedSha256?: string;
}

interface ImagePlan {
  configEntry: OuterEntry;
  configWhat: string;
  /** OCI: the hex sha256 the config descriptor promises. */
  configSha256?: string;
  /** Both layouts in one tarball: the config sha256 that index.json leads to. */
  indexConfigSha256?: string;
  layerCount: number;
  /** Empty when the layers are not to be streamed (too many of them, or one could not be found). */
  layers: LayerPlan[];
}

interface Descriptor {
  mediaType: string;
  digest: string;
  hex: string;
  size: number;
}

interface JsonDocument {
  bytes: Buffer;
  value: unknown;
}

class TarballInspection {
  private readonly findings = new IntakeFindings();
  private readonly entries = new Map<string, OuterEntry>();
  private tarballBytes = 0;
  private layout?: ImageLayout;
  private layerCount = 0;
  private imageId?: string;
  private architecture?: string;
  private os?: string;
  private config?: ImageConfigSummary;
  private compressedBytes = 0;
  private readonly decompressed: Budget;
  private readonly layerEntries = new Budget(
    MAX_LAYER_ENTRIES,
    () => new IntakeLimitError('entry_count', `the layers hold more than ${MAX_LAYER_ENTRIES} entries`),
  );

  constructor(
    private readonly path: string,
    private readonly limits: PlatformLimits,
  ) {
    this.decompressed = new Budget(
      limits.imageDecompressedMaxBytes,
      (used) =>
        new IntakeLimitError(
          'decompressed_size',
          `the layers decompress to more than ${bytesText(limits.imageDecompressedMaxBytes)} (stopped after ${used} bytes)`,
        ),
    );
  }

  async run(): Promise<ImageInspection> {
    this.tarballBytes = (await stat(this.path)).size;
    try {
      await this.inspect();
    } catch (error) {
      if (!(error instanceof IntakeLimitError)) throw error;
      this.findings.violation(error.rule, error.message);
    }
    return {
      ok: !this.findings.has(),
      imageId: this.imageId,
      layout: this.layout,
      architecture: this.architecture,
      os: this.os,
      layers: this.layerCount,
      tarballBytes: this.tarballBytes,
      compressedBytes: this.compressedBytes,
      decompressedBytes: this.decompressed.used,
      config: this.config,
      violations: this.findings.violations,
      notes: this.findings.allNotes(),
    };
  }

  private async inspect(): Promise<void> {
    if (!(await this.indexEntries())) return;
    const plan = await this.plan();
    if (!plan) return;
    const config = await this.readDocument(plan.configEntry, plan.configWhat, 'config');
    if (!config) return;
    if (plan.configSha256 !== undefined) this.checkDigest(config.bytes, plan.configSha256, plan.configWhat);
    if (plan.indexConfigSha256 !== undefined) {
      if (plan.indexConfigSha256 === sha256Hex(config.bytes))
        this.findings.note('the tarball has both manifest.json and an OCI index.json; they name the same image');
      else this.findings.violation('layout', 'manifest.json and index.json describe different images');
    }
    const diffIds = this.checkConfig(config, plan.layerCount);
    // Links are judged against the layers the manifest names, once all of them were found.
    if (plan.layers.length === plan.layerCount) this.checkLinks(new Set(plan.layers.map((layer) => layer.entry)));
    await this.inspectLayers(plan.layers, diffIds);
  }

  /** First read of the spool: indexes the outer entries and applies the outer-archive rules. */
  private async indexEntries(): Promise<boolean> {
    let count = 0;
    try {
      await walkTar(createReadStream(this.path), (header) => {
        count += 1;
        if (count > MAX_OUTER_ENTRIES) throw new IntakeLimitError('entry_count', `the tarball has more than ${MAX_OUTER_ENTRIES} entries`);
        this.indexEntry(header);
      });
    } catch (error) {
      if (error instanceof TarFormatError) {
        this.findings.violation('not_a_tar', `the upload is not a tar archive: ${error.message}`);
        return false;
      }
      if (error instanceof TarHeaderError) {
        this.findings.violation('tar_header', `the tarball: ${error.message}`);
        return false;
      }
      throw error;
    }
    if (count === 0) {
      this.findings.violation('not_a_tar', 'the upload is an empty tar archive');
      return false;
    }
    this.checkNesting();
    return !this.findings.has();
  }

  private indexEntry(header: TarHeader): void {
    const where = `tarball entry ${quoteName(header.name)}`;
    if (Buffer.byteLength(header.name) > MAX_OUTER_NAME_BYTES) {
      this.findings.violation('name_length', `${where} is longer than ${MAX_OUTER_NAME_BYTES} bytes`);
      return;
    }
    if (!PRINTABLE_ASCII.test(header.name)) {
      this.findings.violation('tar_header', `${where} has characters other than printable ASCII, which no image tool writes`);
      return;
    }
    const normalized = normalizeEntryPath(header.name);
    if (normalized.problem) {
      this.findings.violation('path_escape', `${where} ${ENTRY_PATH_PROBLEMS[normalized.problem]}`);
      return;
    }
    const path = normalized.path;
    if (this.entries.has(path)) {
      this.findings.violation('duplicate_entry', `${where} appears more than once`);
      return;
    }
    const offset = header.byteOffset;
    switch (header.type) {
      case 'file':
        this.entries.set(path, { path, type: 'file', size: header.size, offset });
        break;
      case 'directory':
        if (path !== '') this.entries.set(path, { path, type: 'directory', size: 0, offset });
        break;
      case 'symlink':
        this.indexSymlink({ path, type: 'symlink', size: 0, offset, linkname: header.linkname ?? '' });
        break;
      default:
        this.findings.violation('entry_type', `${where} is a ${String(header.type)}; the tarball may hold only files, directories and layer links`);
    }
  }

  /**
   * A link may only stand where docker save and containers/image put one, `<id>/layer.tar`, and point
   * inside the tarball. Where it points is judged once the manifest has named the layers (checkLinks).
   */
  private indexSymlink(entry: OuterEntry): void {
    const where = `tarball entry ${quoteName(entry.path)}`;
    const linkname = entry.linkname ?? '';
    if (!LEGACY_LAYER_PATH.test(entry.path)) {
      this.findings.violation('entry_type', `${where} is a symlink; links are allowed only as <id>/layer.tar, pointing to a layer`);
      return;
    }
    const resolved = posix.normalize(posix.join(posix.dirname(entry.path), linkname));
    if (linkname === '' || linkname.startsWith('/') || resolved === '..' || resolved.startsWith('../')) {
      this.findings.violation('path_escape', `${where} is a symlink to ${quoteName(linkname)}, outside the tarball`);
      return;
    }
    entry.target = resolved;
    this.entries.set(entry.path, entry);
  }

  /**
   * Docker extracts the whole tarball before reading it: an entry below a file or a link would be written
   * through the link, or fail, or be replaced, depending on the order. No image tool writes one.
   */
  private checkNesting(): void {
    for (const entry of this.entries.values()) {
      for (let slash = entry.path.indexOf('/'); slash !== -1; slash = entry.path.indexOf('/', slash + 1)) {
        const ancestor = this.entries.get(entry.path.slice(0, slash));
        if (ancestor && ancestor.type !== 'directory') {
          this.findings.violation(
            'duplicate_entry',
            `tarball entry ${quoteName(entry.path)} is below ${quoteName(ancestor.path)}, which is a ${ancestor.type}, not a directory`,
          );
          break;
        }
      }
    }
  }

  /**
   * A link is followed only to a regular file that the manifest names as a layer (through the link or not):
   * docker save's link between two identical layers, containers/image's `<id>/layer.tar` to a root-level
   * layer file. Links to links (chains, loops), to directories, to the config or to nothing are refused.
   */
  private checkLinks(layerFiles: ReadonlySet<OuterEntry>): void {
    for (const entry of this.entries.values()) {
      if (entry.type !== 'symlink') continue;
      const problem = this.linkProblem(entry, layerFiles);
      if (problem)
        this.findings.violation('link_target', `tarball entry ${quoteName(entry.path)} is a symlink to ${quoteName(entry.linkname ?? '')}, ${problem}`);
    }
  }

  private linkProblem(entry: OuterEntry, layerFiles: ReadonlySet<OuterEntry>): string | undefined {
    const target = this.entries.get(entry.target!);
    if (!target) return 'which is not in the tarball';
    if (target.type === 'symlink') return 'which is itself a link (chains and loops of links are not followed)';
    if (target.type !== 'file') return `which is a ${target.type}, not a layer file`;
    if (!layerFiles.has(target)) return 'which the manifest does not name as a layer';
    return undefined;
  }

  /** Finds the image in the layout: its config and its layers. */
  private async plan(): Promise<ImagePlan | undefined> {
    const hasManifest = this.entries.get('manifest.json')?.type === 'file';
    const hasIndex = this.entries.get('index.json')?.type === 'file';
    if (!hasManifest && !hasIndex) {
      this.findings.violation('layout', 'the tarball has neither manifest.json (docker save) nor index.json (OCI image layout)');
      return undefined;
    }
    if (hasIndex) this.layout = 'oci-layout';
    if (!hasManifest) return this.planOci();
    // This engine loads from manifest.json; newer engines may read index.json instead, so when both are
    // present they must name the same config (which, through rootfs.diff_ids, names the same layers).
    const plan = await this.planLegacy();
    if (!plan || !hasIndex) return plan;
    const oci = await this.resolveOciManifest();
    if (!oci) return undefined;
    plan.indexConfigSha256 = oci.config.hex;
    return plan;
  }

  private async planLegacy(): Promise<ImagePlan | undefined> {
    const manifest = await this.readDocument(this.entries.get('manifest.json')!, 'manifest.json', 'layout');
    if (!manifest) return undefined;
    if (!Array.isArray(manifest.value)) {
      this.findings.violation('layout', 'manifest.json is not a JSON array');
      return undefined;
    }
    if (manifest.value.length !== 1) {
      if (manifest.value.length === 0) this.findings.violation('layout', 'manifest.json names no image');
      else this.findings.violation('multiple_images', `manifest.json names ${manifest.value.length} images; submit exactly one`);
      return undefined;
    }
    const item = asObject(manifest.value[0]);
    if (!item) {
      this.findings.violation('layout', 'manifest.json[0] is not an object');
      return undefined;
    }
    if (!this.checkKeySpelling(item, ['Config', 'Layers', 'RepoTags'], 'manifest.json[0]', 'layout')) return undefined;
    const layerPaths = item.Layers;
    if (typeof item.Config !== 'string' || !Array.isArray(layerPaths) || !layerPaths.every((layer) => typeof layer === 'string')) {
      this.findings.violation('layout', 'manifest.json[0] needs a Config path and a Layers array of paths');
      return undefined;
    }
    const repoTags = Array.isArray(item.RepoTags) ? item.RepoTags.filter((tag) => typeof tag === 'string') : [];
    if (repoTags.length > 0) {
      this.findings.note(`RepoTags ${repoTags.slice(0, 5).map(quoteName).join(', ')} are ignored: the image is loaded untagged and referred to by its ID`);
    }
    this.layout ??= (layerPaths as string[]).every((layer) => LEGACY_LAYER_PATH.test(normalizeEntryPath(layer).path ?? ''))
      ? 'docker-save'
      : 'docker-archive-links';
    this.layerCount = layerPaths.length;
    const configEntry = this.resolve(item.Config, `manifest.json's Config`, false);
    if (!configEntry) return undefined;
    const plan: ImagePlan = { configEntry, configWhat: `the config ${quoteName(item.Config)}`, layerCount: layerPaths.length, layers: [] };
    if (!this.checkLayerCount(layerPaths.length)) return plan;
    for (const [index, layerPath] of (layerPaths as string[]).entries()) {
      const entry = this.resolve(layerPath, `manifest.json's layer ${index + 1}`, true);
      if (!entry) return { ...plan, layers: [] };
      plan.layers.push({ label: `layer ${index + 1} (${quoteName(layerPath)})`, entry });
    }
    return plan;
  }

  private async planOci(): Promise<ImagePlan | undefined> {
    const resolved = await this.resolveOciManifest();
    if (!resolved) return undefined;
    const { manifestWhat, layers, config } = resolved;
    const configEntry = this.blobEntry(config, `${manifestWhat}'s config`);
    if (!configEntry) return undefined;
    this.layerCount = layers.length;
    const plan: ImagePlan = { configEntry, configWhat: `the config ${config.digest}`, configSha256: config.hex, layerCount: layers.length, layers: [] };
    if (!this.checkLayerCount(layers.length)) return plan;
    for (const [index, value] of layers.entries()) {
      const what = `layer ${index + 1}`;
      const descriptor = this.descriptor(value, `${manifestWhat}'s ${what}`, MEDIA_TYPES.layer);
      const entry = descriptor && this.blobEntry(descriptor, what);
      if (!descriptor || !entry) return { ...plan, layers: [] };
      plan.layers.push({ label: `${what} (${descriptor.digest})`, entry, expectedSha256: descriptor.hex });
    }
    return plan;
  }

  /** oci-layout → index.json → the one image manifest: its config descriptor and its layer list (unchecked). */
  private async resolveOciManifest(): Promise<{ manifestWhat: string; config: Descriptor; layers: unknown[] } | undefined> {
    const layoutEntry = this.entries.get('oci-layout');
    if (layoutEntry?.type !== 'file') {
      this.findings.violation('layout', 'index.json without an oci-layout file is not an OCI image layout');
      return undefined;
    }
    const ociLayout = await this.readDocument(layoutEntry, 'oci-layout', 'layout');
    if (!ociLayout) return undefined;
    if (typeof asObject(ociLayout.value)?.imageLayoutVersion !== 'string') {
      this.findings.violation('layout', 'oci-layout has no imageLayoutVersion');
      return undefined;
    }
    const index = await this.readDocument(this.entries.get('index.json')!, 'index.json', 'layout');
    const manifestDescriptor = index && (await this.selectManifest(index.value, 'index.json', 0));
    if (!manifestDescriptor) return undefined;
    const manifestWhat = `the manifest ${manifestDescriptor.digest}`;
    const manifestDocument = await this.readBlob(manifestDescriptor, manifestWhat);
    if (!manifestDocument) return undefined;
    const manifest = asObject(manifestDocument.value);
    if (!manifest || manifest.schemaVersion !== 2 || !Array.isArray(manifest.layers)) {
      this.findings.violation('layout', `${manifestWhat} is not an image manifest with schemaVersion 2 and a layers array`);
      return undefined;
    }
    if (!this.checkKeySpelling(manifest, ['schemaVersion', 'mediaType', 'config', 'layers'], manifestWhat, 'layout')) return undefined;
    const config = this.descriptor(manifest.config, `${manifestWhat}'s config`, MEDIA_TYPES.config);
    return config && { manifestWhat, config, layers: manifest.layers };
  }

  /** Picks the one image manifest an index names, following nested indexes (as buildx and nerdctl write them). */
  private async selectManifest(value: unknown, what: string, depth: number): Promise<Descriptor | undefined> {
    const index = asObject(value);
    if (!index || index.schemaVersion !== 2 || !Array.isArray(index.manifests)) {
      this.findings.violation('layout', `${what} is not an image index with schemaVersion 2 and a manifests array`);
      return undefined;
    }
    if (!this.checkKeySpelling(index, ['schemaVersion', 'mediaType', 'manifests'], what, 'layout')) return undefined;
    const images = imageManifestsOf(index.manifests);
    if (images.length < index.manifests.length) this.findings.note(`${what}: ${index.manifests.length - images.length} attestation manifest(s) ignored`);
    if (images.length !== 1) {
      if (images.length === 0) this.findings.violation('layout', `${what} names no image manifest`);
      else this.findings.violation('multiple_images', `${what} names ${images.length} images (${images.map(platformOf).join(', ')}); submit exactly one`);
      return undefined;
    }
    const descriptor = this.descriptor(images[0], `${what}'s manifest`, [...MEDIA_TYPES.manifest, ...MEDIA_TYPES.index]);
    if (!descriptor) return undefined;
    if (!MEDIA_TYPES.index.includes(descriptor.mediaType)) return descriptor;
    if (depth >= MAX_NESTED_INDEXES) {
      this.findings.violation('layout', `${what} nests image indexes more than ${MAX_NESTED_INDEXES} levels deep`);
      return undefined;
    }
    const nestedWhat = `the index ${descriptor.digest}`;
    const nested = await this.readBlob(descriptor, nestedWhat);
    return nested && this.selectManifest(nested.value, nestedWhat, depth + 1);
  }

  /** Validates an OCI descriptor; records why it is refused otherwise. */
  private descriptor(value: unknown, what: string, mediaTypes: readonly string[]): Descriptor | undefined {
    const descriptor = asObject(value);
    if (!descriptor) {
      this.findings.violation('layout', `${what} is not a descriptor object`);
      return undefined;
    }
    if (!this.checkKeySpelling(descriptor, ['mediaType', 'digest', 'size', 'urls', 'annotations', 'platform'], what, 'layout')) return undefined;
    const { mediaType, digest, size, urls } = descriptor;
    const match = typeof digest === 'string' ? DIGEST.exec(digest) : null;
    if (typeof mediaType !== 'string' || !mediaTypes.includes(mediaType)) {
      this.findings.violation('layout', `${what} has media type ${quoteName(String(mediaType))}; expected one of ${mediaTypes.join(', ')}`);
    } else if (!match) {
      this.findings.violation('layout', `${what} has digest ${quoteName(String(digest))}; only sha256 digests are supported`);
    } else if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      this.findings.violation('layout', `${what} has no valid size`);
    } else if (urls !== undefined && !(Array.isArray(urls) && urls.length === 0)) {
      // A foreign layer would be fetched from its URL: the image must carry every byte itself.
      this.findings.violation('layout', `${what} names external URLs; foreign layers are not allowed`);
    } else {
      return { mediaType, digest: digest as string, hex: match[1]!, size };
    }
    return undefined;
  }

  /** The outer entry holding a blob; checks that it exists and has the descriptor's size. */
  private blobEntry(descriptor: Descriptor, what: string): OuterEntry | undefined {
    const entry = this.entries.get(`blobs/sha256/${descriptor.hex}`);
    if (entry?.type !== 'file') {
      this.findings.violation('layout', `${what} (${descriptor.digest}) is not in the tarball`);
      return undefined;
    }
    if (entry.size !== descriptor.size) {
      this.findings.violation('digest_mismatch', `${what} (${descriptor.digest}) has ${entry.size} bytes but its descriptor says ${descriptor.size}`);
      return undefined;
    }
    return entry;
  }

  private async readBlob(descriptor: Descriptor, what: string): Promise<JsonDocument | undefined> {
    const entry = this.blobEntry(descriptor, what);
    const document = entry && (await this.readDocument(entry, what, 'layout'));
    if (!document || !this.checkDigest(document.bytes, descriptor.hex, what)) return undefined;
    return document;
  }

  private checkDigest(bytes: Buffer, expectedHex: string, what: string): boolean {
    const actual = sha256Hex(bytes);
    if (actual === expectedHex) return true;
    this.findings.violation('digest_mismatch', `${what}: its content hashes to sha256:${actual}, not to the digest that names it`);
    return false;
  }

  /**
   * A path named by manifest.json, as an outer file entry. A layer may be named through one layer link
   * (docker save's between identical layers); the config may not.
   */
  private resolve(reference: string, what: string, layer: boolean): OuterEntry | undefined {
    const normalized = normalizeEntryPath(reference);
    if (normalized.problem) {
      this.findings.violation('path_escape', `${what} ${quoteName(reference)} points outside the tarball`);
      return undefined;
    }
    let entry = this.entries.get(normalized.path);
    if (entry?.type === 'symlink' && layer) {
      const link = entry;
      entry = this.entries.get(link.target!);
      if (entry?.type === 'symlink') {
        this.findings.violation('link_target', `${what} ${quoteName(reference)} is a link to a link (chains and loops of links are not followed)`);
        return undefined;
      }
    }
    if (entry?.type !== 'file') {
      this.findings.violation('layout', `${what} ${quoteName(reference)} is not a file in the tarball`);
      return undefined;
    }
    return entry;
  }

  private checkLayerCount(count: number): boolean {
    if (count <= this.limits.imageMaxLayers) return true;
    this.findings.violation('layer_count', `the image has ${count} layers; at most ${this.limits.imageMaxLayers} are allowed`);
    return false;
  }

  /** Reads a small JSON document by offset; documents over IMAGE_JSON_MAX_BYTES are refused unread. */
  private async readDocument(entry: OuterEntry, what: string, parseRule: IntakeRule): Promise<JsonDocument | undefined> {
    if (entry.size > IMAGE_JSON_MAX_BYTES) {
      this.findings.violation('json_size', `${what} has ${entry.size} bytes; JSON documents are capped at ${bytesText(IMAGE_JSON_MAX_BYTES)}`);
      return undefined;
    }
    const bytes = await readAll(this.open(entry), IMAGE_JSON_MAX_BYTES, what);
    const parsed = parseImageJson(bytes);
    if (parsed.problem) {
      this.findings.violation(JSON_PROBLEM_RULES[parsed.problem.kind] ?? parseRule, `${what} ${parsed.problem.message}`);
      return undefined;
    }
    return { bytes, value: parsed.value };
  }

  /** Applies the architecture and image-config rules; returns the diff_ids when they are usable. */
  private checkConfig(document: JsonDocument, layerCount: number): string[] | undefined {
    this.imageId = `sha256:${sha256Hex(document.bytes)}`;
    const root = asObject(document.value);
    if (!root) {
      this.findings.violation('config', 'the image config is not a JSON object');
      return undefined;
    }
    const config = asObject(root.config) ?? {};
    const rootfs = asObject(root.rootfs) ?? {};
    const spelledRight = [
      this.checkKeySpelling(root, ['architecture', 'os', 'config', 'rootfs'], 'the image config', 'config'),
      this.checkKeySpelling(config, [...IMAGE_CONFIG_FIELDS], 'the image config\'s "config"', 'config'),
      this.checkKeySpelling(rootfs, ['type', 'diff_ids'], "the image config's rootfs", 'config'),
    ].every(Boolean);

    this.architecture = typeof root.architecture === 'string' ? root.architecture : undefined;
    this.os = typeof root.os === 'string' ? root.os : undefined;
    if (this.architecture !== 'amd64') {
      this.findings.violation(
        'architecture',
        `the image is for ${quoteName(String(this.architecture))}; only amd64 images can run (build with --platform linux/amd64)`,
      );
    }
    if (this.os !== 'linux') this.findings.violation('architecture', `the image is for the OS ${quoteName(String(this.os))}; only linux images can run`);

    // The SDK's image-config policy (VOLUME, WORKDIR, reserved ENV; notes on USER, HEALTHCHECK, EXPOSE…).
    // Architecture and OS were judged just above under their own rule id, so they are not judged twice.
    if (spelledRight) {
      const policy = checkImageConfig({ ...root, architecture: 'amd64', os: 'linux' });
      for (const violation of policy.violations) this.findings.violation('config', violation);
      for (const note of policy.notes) this.findings.note(note);
    }

    const diffIds = rootfs.diff_ids;
    const validDiffIds = Array.isArray(diffIds) && diffIds.every((id) => typeof id === 'string' && DIGEST.test(id)) ? (diffIds as string[]) : undefined;
    this.config = summarizeConfig(config, validDiffIds ?? []);
    if (!validDiffIds) {
      this.findings.violation('config', 'the image config has no rootfs.diff_ids list of sha256 digests');
      return undefined;
    }
    if (validDiffIds.length !== layerCount) {
      this.findings.violation('config', `the image config names ${validDiffIds.length} layers (rootfs.diff_ids) but the manifest names ${layerCount}`);
      return undefined;
    }
    return validDiffIds;
  }

  /** Streams every layer through the layer rules, in order, within the shared caps. */
  private async inspectLayers(layers: LayerPlan[], diffIds: string[] | undefined): Promise<void> {
    let setuidCount = 0;
    let zstdLayers = 0;
    const setuidExamples: string[] = [];
    for (const [index, layer] of layers.entries()) {
      const reading: LayerReading | undefined = await inspectLayer(this.open(layer.entry), {
        label: layer.label,
        decompressedBudget: this.decompressed,
        entryBudget: this.layerEntries,
        findings: this.findings,
      });
      if (!reading) continue;
      this.compressedBytes += reading.storedBytes;
      if (layer.expectedSha256 !== undefined && reading.storedSha256 !== layer.expectedSha256) {
        this.findings.violation('digest_mismatch', `${layer.label}: its content hashes to sha256:${reading.storedSha256}, not to the digest that names it`);
      }
      const diffId = diffIds?.[index];
      if (diffId !== undefined && diffId !== reading.diffId) {
        this.findings.violation(
          'digest_mismatch',
          `${layer.label}: its uncompressed content hashes to ${reading.diffId}, but rootfs.diff_ids[${index}] is ${diffId}`,
        );
      }
      if (reading.compression === 'zstd') zstdLayers += 1;
      setuidCount += reading.setuidCount;
      setuidExamples.push(...reading.setuidExamples.slice(0, Math.max(0, 5 - setuidExamples.length)));
    }
    if (zstdLayers > 0) this.findings.note(`${zstdLayers} layer(s) are zstd-compressed: the engine that loads them must be Docker 23 or later`);
    if (setuidCount > 0) {
      this.findings.note(
        `${setuidCount} setuid/setgid file(s), e.g. ${setuidExamples.join(', ')}: allowed, because containers run with no-new-privileges and the bits grant nothing`,
      );
    }
  }

  /**
   * Go's encoding/json (the engine's) matches keys case-insensitively, so `"volumes"` would be honoured
   * by Docker yet missed by a check reading `Volumes`. Keys that fold to one of the fields read here are
   * refused unless spelled exactly. (Two keys that fold to each other never get here: parseImageJson
   * refuses them.)
   */
  private checkKeySpelling(object: Record<string, unknown>, fields: readonly string[], what: string, rule: IntakeRule): boolean {
    let ok = true;
    for (const key of Object.keys(object)) {
      const field = fields.find((candidate) => foldCase(candidate) === foldCase(key));
      if (field !== undefined && field !== key) {
        this.findings.violation(rule, `${what} has the key ${quoteName(key)}, which Docker reads as ${quoteName(field)}; spell it ${quoteName(field)}`);
        ok = false;
      }
    }
    return ok;
  }

  /** A read stream over one outer entry's data in the spool. */
  private open(entry: OuterEntry): Readable {
    if (entry.size === 0) return Readable.from([]);
    return createReadStream(this.path, { start: entry.offset, end: entry.offset + entry.size - 1 });
  }
}

/** The rule a JSON document breaks, where it is not the document's own parse rule (layout or config). */
const JSON_PROBLEM_RULES: Partial<Record<ImageJsonProblemKind, IntakeRule>> = { size: 'json_size', depth: 'json_size', duplicate_key: 'duplicate_key' };

/** How an index descriptor's platform reads in a message, e.g. `linux/arm64`. */
function platformOf(descriptor: unknown): string {
  const platform = asObject(asObject(descriptor)?.platform);
  return platform
    ? `${String(platform.os)}/${String(platform.architecture)}${typeof platform.variant === 'string' ? `/${platform.variant}` : ''}`
    : 'no platform';
}

/** The fields of the image config's "config" object that the image-config policy reads. */
const IMAGE_CONFIG_FIELDS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'Healthcheck'] as const;

function summarizeConfig(config: Record<string, unknown>, diffIds: string[]): ImageConfigSummary {
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  const labels = asObject(config.Labels) ?? {};
  return {
    entrypoint: strings(config.Entrypoint),
    cmd: strings(config.Cmd),
    env: strings(config.Env),
    user: typeof config.User === 'string' && config.User !== '' ? config.User : undefined,
    workingDir: typeof config.WorkingDir === 'string' && config.WorkingDir !== '' ? config.WorkingDir : undefined,
    labels: Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
    exposedPorts: Object.keys(asObject(config.ExposedPorts) ?? {}),
    volumes: Object.keys(asObject(config.Volumes) ?? {}),
    diffIds,
  };
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function bytesText(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 1024 * MiB],
    ['MiB', MiB],
    ['KiB', KiB],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
