// Re-packs an image tarball for `docker load` so that loading it can never create or re-point a tag:
// the image is then only reachable by its ID. Every entry but the three that carry names passes through
// with its content byte for byte (headers are re-encoded by tar-stream).
//
// An OCI image layout without manifest.json also gets one appended: Docker 20.10 loads only docker-save's
// layout (it fails on index.json alone), while newer engines accept either. Docker extracts the whole
// archive before reading manifest.json, so appending it at the end works.
import { once } from 'node:events';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { asObject, foldCase, quoteName } from './image-intake-rules';
import { IMAGE_JSON_MAX_BYTES, parseImageJson } from './image-json';
import { imageManifestsOf, isIndexMediaType, MAX_NESTED_INDEXES } from './oci-index';
import { COMPRESSION_MAGIC_BYTES, detectCompression, normalizeEntryPath, peekStream, readAll, type TarHeader, walkTar } from './tar-archive';

/** Annotations by which containerd and newer Docker engines name (tag) an image found in an OCI index.json. */
const IMAGE_NAME_ANNOTATIONS = ['org.opencontainers.image.ref.name', 'io.containerd.image.name'];
/** Small blobs kept (while passing through) to derive manifest.json from an OCI layout: manifests, indexes, configs. */
const KEPT_BLOBS_MAX_BYTES = 8 * IMAGE_JSON_MAX_BYTES;

export class ImageSanitizeError extends Error {
  constructor(message: string) {
    super(`Cannot sanitize the image tarball: ${message}`);
    this.name = 'ImageSanitizeError';
  }
}

/**
 * The tarball from `source` (uncompressed or gzip-compressed), re-packed uncompressed with:
 * - `repositories` dropped (legacy tags, read when manifest.json is absent);
 * - manifest.json rewritten with `RepoTags: null` and only Config and Layers kept;
 * - index.json without the image-name annotations;
 * - for an OCI layout without manifest.json, a manifest.json (untagged) naming the same config and layers.
 * The result fails with ImageSanitizeError when the tarball cannot be read. Meant for tarballs that passed
 * inspection; it does not repeat the inspection's rules.
 */
export function sanitizeImageTarball(source: Readable): Readable {
  const pack = tar.pack();
  repack(source, pack).then(
    () => pack.finalize(),
    (error: unknown) => {
      source.destroy();
      pack.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  );
  // A Node stream for callers (dockerode pipes it into an HTTP request); destroying it destroys the pack,
  // which makes repack fail and release the source.
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

async function repack(source: Readable, pack: tar.Pack): Promise<void> {
  const { head, stream } = await peekStream(source, COMPRESSION_MAGIC_BYTES);
  const compression = detectCompression(head);
  if (compression !== 'none' && compression !== 'gzip') {
    stream.destroy();
    throw new ImageSanitizeError(`it is ${compression}-compressed`);
  }
  const tarBytes = compression === 'gzip' ? pipeline(stream, createGunzip(), () => undefined) : stream;
  let hasManifest = false;
  let index: unknown;
  const keptBlobs = new Map<string, Buffer>();
  let keptBytes = 0;
  await walkTar(tarBytes, async (header, body) => {
    const entry = normalizeEntryPath(header.name);
    if (entry.problem) throw new ImageSanitizeError(`entry ${quoteName(header.name)} escapes the archive`);
    switch (entry.path) {
      case 'repositories':
        return; // dropped (walkTar drains it)
      case 'manifest.json':
        hasManifest = true;
        return addJsonEntry(pack, header.name, withoutRepoTags(await readJson(body, 'manifest.json')), header);
      case 'index.json':
        index = withoutImageNames(await readJson(body, 'index.json'));
        return addJsonEntry(pack, header.name, index, header);
    }
    const size = header.size ?? 0;
    const blob = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(entry.path);
    if (blob && header.type === 'file' && size <= IMAGE_JSON_MAX_BYTES && keptBytes + size <= KEPT_BLOBS_MAX_BYTES) {
      keptBytes += size;
      const chunks: Buffer[] = [];
      await copyEntry(pack, header, body, (chunk) => chunks.push(chunk));
      keptBlobs.set(blob[1]!, Buffer.concat(chunks));
      return;
    }
    return copyEntry(pack, header, body);
  });
  const derived = !hasManifest && index !== undefined ? legacyManifestFor(index, keptBlobs) : undefined;
  if (derived) await addJsonEntry(pack, 'manifest.json', derived);
}

/**
 * docker-save's manifest.json for the one image an OCI index names (through nested indexes, as intake
 * follows them), or undefined when it cannot be derived; the engine then reports its own error.
 */
function legacyManifestFor(index: unknown, blobs: Map<string, Buffer>, depth = 0): unknown[] | undefined {
  const manifests = asObject(index)?.manifests;
  const images = Array.isArray(manifests) ? imageManifestsOf(manifests) : [];
  const descriptor = asObject(images.length === 1 ? images[0] : undefined);
  const blob = typeof descriptor?.digest === 'string' ? blobs.get(descriptor.digest.replace(/^sha256:/, '')) : undefined;
  const document = blob && parseImageJson(blob).value;
  if (document === undefined) return undefined;
  if (isIndexMediaType(descriptor?.mediaType)) return depth < MAX_NESTED_INDEXES ? legacyManifestFor(document, blobs, depth + 1) : undefined;
  const manifest = asObject(document);
  const configDigest = asObject(manifest?.config)?.digest;
  const layerDigests = Array.isArray(manifest?.layers) ? manifest.layers.map((layer) => asObject(layer)?.digest) : [];
  const blobPath = (digest: unknown) => (typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest) ? `blobs/sha256/${digest.slice(7)}` : undefined);
  const config = blobPath(configDigest);
  const layers = layerDigests.map(blobPath);
  if (config === undefined || layers.some((layer) => layer === undefined)) return undefined;
  return [{ Config: config, RepoTags: null, Layers: layers }];
}

async function readJson(body: AsyncIterable<Buffer>, what: string): Promise<unknown> {
  const bytes = await readAll(body, IMAGE_JSON_MAX_BYTES, what).catch((error: Error) => {
    throw new ImageSanitizeError(error.message);
  });
  const parsed = parseImageJson(bytes);
  if (parsed.problem) throw new ImageSanitizeError(`${what} ${parsed.problem.message}`);
  return parsed.value;
}

/** docker save's manifest.json with each image's RepoTags emptied. Keys are rebuilt, not patched: the engine reads keys case-insensitively, so a stray "repotags" would otherwise survive. */
function withoutRepoTags(manifest: unknown): unknown {
  if (!Array.isArray(manifest)) throw new ImageSanitizeError('manifest.json is not a JSON array');
  return manifest.map((value, index) => {
    const item = asObject(value);
    if (!item || typeof item.Config !== 'string' || !Array.isArray(item.Layers)) {
      throw new ImageSanitizeError(`manifest.json[${index}] has no Config and Layers`);
    }
    return { Config: item.Config, RepoTags: null, Layers: item.Layers };
  });
}

/** An OCI index.json without image-name annotations, on the index itself and on each manifest it lists. */
function withoutImageNames(index: unknown): unknown {
  const document = asObject(index);
  if (!document) throw new ImageSanitizeError('index.json is not a JSON object');
  stripImageNames(document);
  for (const [key, value] of Object.entries(document)) {
    if (foldCase(key) === 'manifests' && Array.isArray(value)) for (const descriptor of value) stripImageNames(asObject(descriptor));
  }
  return document;
}

function stripImageNames(object: Record<string, unknown> | undefined): void {
  for (const [key, value] of Object.entries(object ?? {})) {
    const annotations = foldCase(key) === 'annotations' ? asObject(value) : undefined;
    for (const name of IMAGE_NAME_ANNOTATIONS) delete annotations?.[name];
  }
}

/** A JSON entry with a fresh header (the original's PAX records could carry the old size). */
async function addJsonEntry(pack: tar.Pack, name: string, document: unknown, original?: TarHeader): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(document));
  const header = { name, type: 'file' as const, mode: original?.mode ?? 0o644, mtime: original?.mtime ?? new Date(0), uid: original?.uid, gid: original?.gid };
  await new Promise<void>((resolve, reject) => pack.entry(header, bytes, (error) => (error ? reject(error) : resolve())));
}

/**
 * Copies one entry into the pack, content byte for byte; `keep` sees each chunk too. The header is written
 * afresh, as plain ustar (intake keeps outer names short enough), with none of the original's PAX records.
 */
async function copyEntry(pack: tar.Pack, header: TarHeader, body: AsyncIterable<Buffer>, keep?: (chunk: Buffer) => void): Promise<void> {
  if (header.type === null) throw new ImageSanitizeError(`entry ${quoteName(header.name)} has an unsupported type`);
  const { name, type, size, mode, uid, gid, mtime, devmajor, devminor } = header;
  let sink!: ReturnType<tar.Pack['entry']>;
  const written = new Promise<void>((resolve, reject) => {
    sink = pack.entry({ name, type, size, mode, uid, gid, mtime, devmajor, devminor, linkname: header.linkname ?? undefined }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
  for await (const chunk of body) {
    keep?.(chunk);
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  sink.end(null); // streamx's typings want an argument; null means no final chunk
  await written;
}
