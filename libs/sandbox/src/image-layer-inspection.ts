// Streams one image layer (a tar, maybe gzip-compressed) and checks every entry header without
// extracting anything. Docker unpacks layers inside a chroot, which already contains most escapes; these
// checks refuse the tarballs that try, so a flaw in the engine is not the only line of defence.
import { type Readable, type Transform, pipeline } from 'node:stream';
import * as zlib from 'node:zlib';
import { type IntakeFindings, IntakeLimitError, quoteName } from './image-intake-rules';
import {
  type Budget,
  ByteMeter,
  COMPRESSION_MAGIC_BYTES,
  type Compression,
  detectCompression,
  ENTRY_PATH_PROBLEMS,
  normalizeEntryPath,
  peekStream,
  type TarHeader,
  isZlibError,
  TarFormatError,
  TarHeaderError,
  walkTar,
} from './tar-archive';

/**
 * zlib's zstd decompressor where this Node.js has one (22.15 and later); Node 20 has none, and layers
 * compressed with zstd are then refused. (Docker 20.10 cannot load zstd layers either: 23.0 and later can.)
 */
const zstdDecompressor = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
/** Whether this Node.js can read zstd-compressed layers. */
export const ZSTD_LAYERS_READABLE = zstdDecompressor !== undefined;

const UNSUPPORTED_COMPRESSION: Record<Exclude<Compression, 'none' | 'gzip'>, string> = {
  zstd: `this platform's Node.js (${process.version}) cannot read zstd (it needs 22.15 or later); export the image with gzip-compressed or uncompressed layers (docker save, or skopeo copy without --dest-compress-format zstd)`,
  bzip2: 'only gzip-compressed or uncompressed layers are supported',
  xz: 'only gzip-compressed or uncompressed layers are supported',
};

/** Linux's PATH_MAX: the engine cannot create a longer path anyway. */
const MAX_LAYER_PATH_BYTES = 4096;
/** setuid/setgid paths quoted in the note; the rest are only counted. */
const MAX_SETUID_EXAMPLES = 5;

export interface LayerContext {
  /** How the layer is named in messages, e.g. `layer 2 (blobs/sha256/ab…)`. */
  label: string;
  /** Decompressed bytes of all layers together; exceeding it throws IntakeLimitError. */
  decompressedBudget: Budget;
  /** Entries of all layers together; exceeding it throws IntakeLimitError. */
  entryBudget: Budget;
  findings: IntakeFindings;
}

export interface LayerReading {
  compression: Extract<Compression, 'none' | 'gzip' | 'zstd'>;
  /** Bytes of the layer as stored in the tarball, and their sha256 (hex). */
  storedBytes: number;
  storedSha256: string;
  decompressedBytes: number;
  /** `sha256:` + sha256 of the uncompressed tar: what the config's rootfs.diff_ids must name. */
  diffId: string;
  /** setuid/setgid regular files (paths, at most a few) and how many there are. */
  setuidExamples: string[];
  setuidCount: number;
}

/**
 * Reads one layer to its end, recording each rule it breaks in `context.findings`. Returns undefined when
 * the layer could not be read as a tar (that too is recorded). Throws IntakeLimitError as soon as a shared
 * budget is exceeded, having stopped decompressing.
 */
export async function inspectLayer(raw: Readable, context: LayerContext): Promise<LayerReading | undefined> {
  const { label, findings } = context;
  const stored = new ByteMeter();
  const { head, stream } = await peekStream(pipeline(raw, stored, ignore), COMPRESSION_MAGIC_BYTES);
  const compression = detectCompression(head);
  if (compression !== 'none' && compression !== 'gzip' && !(compression === 'zstd' && zstdDecompressor)) {
    stream.destroy();
    findings.violation('layer_format', `${label} is ${compression}-compressed; ${UNSUPPORTED_COMPRESSION[compression]}`);
    return undefined;
  }

  // The meter sits after decompression: it counts what the engine would write, and failing it stops the
  // decompressor.
  const decompressed = new ByteMeter(context.decompressedBudget);
  const decompressor = compression === 'gzip' ? zlib.createGunzip() : compression === 'zstd' ? zstdDecompressor!() : undefined;
  const tarBytes = decompressor ? pipeline(stream, decompressor, decompressed, ignore) : pipeline(stream, decompressed, ignore);
  const rules = new LayerEntryRules(label, findings);
  try {
    await walkTar(
      tarBytes,
      (header) => {
        const tooMany = context.entryBudget.take(1);
        if (tooMany) throw tooMany;
        rules.check(header);
      },
      // Go's archive/tar (the engine's reader) also accepts pre-POSIX headers; checksums are still verified.
      { allowUnknownFormat: true },
    );
  } catch (error) {
    if (error instanceof IntakeLimitError) throw error;
    if (error instanceof TarFormatError) {
      findings.violation('layer_format', `${label} is not a valid tar: ${error.message}`);
      return undefined;
    }
    if (error instanceof TarHeaderError) {
      findings.violation('tar_header', `${label}: ${error.message}`);
      return undefined;
    }
    if (isZlibError(error)) {
      findings.violation('layer_format', `${label} is not valid ${compression}: ${error.message}`);
      return undefined;
    }
    throw error;
  } finally {
    // Release the source at once when a cap stopped the read; harmless after a full read.
    raw.destroy();
  }
  return {
    compression,
    storedBytes: stored.bytes,
    storedSha256: stored.sha256(),
    decompressedBytes: decompressed.bytes,
    diffId: `sha256:${decompressed.sha256()}`,
    setuidExamples: rules.setuidExamples,
    setuidCount: rules.setuidCount,
  };
}

/** The per-entry rules of one layer; remembers the symlinks the layer has created so far. */
class LayerEntryRules {
  readonly setuidExamples: string[] = [];
  setuidCount = 0;
  private readonly symlinks = new Set<string>();

  constructor(
    private readonly label: string,
    private readonly findings: IntakeFindings,
  ) {}

  check(header: TarHeader): void {
    const where = `${this.label}: entry ${quoteName(header.name)}`;
    const entry = normalizeEntryPath(header.name);
    if (entry.problem) {
      this.findings.violation('path_escape', `${where} ${ENTRY_PATH_PROBLEMS[entry.problem]}`);
      return;
    }
    const path = entry.path;
    if (Buffer.byteLength(path) > MAX_LAYER_PATH_BYTES) {
      this.findings.violation('name_length', `${where} is longer than ${MAX_LAYER_PATH_BYTES} bytes`);
      return;
    }
    const through = this.symlinkAbove(path);
    if (through !== undefined) {
      this.findings.violation('link_then_write', `${where} is written through the symlink ${quoteName(through)} created earlier in the same layer`);
    }
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        // Noted, not refused: containers run with no-new-privileges, so these bits grant nothing.
        if (((header.mode ?? 0) & 0o6000) !== 0) {
          this.setuidCount += 1;
          if (this.setuidExamples.length < MAX_SETUID_EXAMPLES) this.setuidExamples.push(`/${path}`);
        }
        break;
      case 'directory':
      case 'fifo':
        break;
      case 'symlink':
        // Where a symlink points is not checked: it is resolved inside the container's own root.
        this.symlinks.add(path);
        return;
      case 'link':
        this.checkHardlink(where, header.linkname ?? '');
        break;
      case 'character-device':
      case 'block-device':
        this.findings.violation('entry_type', `${where} is a device node`);
        break;
      default:
        this.findings.violation('entry_type', `${where} has an unsupported entry type (${String(header.type)})`);
    }
    // Anything else at a symlink's path replaces the symlink (the engine removes it first).
    this.symlinks.delete(path);
  }

  private checkHardlink(where: string, linkname: string): void {
    const target = normalizeEntryPath(linkname);
    if (target.problem || target.path === '') {
      this.findings.violation('path_escape', `${where} is a hardlink to ${quoteName(linkname)}, outside the layer's root`);
      return;
    }
    const through = this.symlinkAbove(target.path);
    if (through !== undefined) {
      this.findings.violation(
        'link_then_write',
        `${where} is a hardlink to ${quoteName(linkname)}, through the symlink ${quoteName(through)} created earlier in the same layer`,
      );
    }
  }

  /** The nearest ancestor of `path` that this layer created as a symlink, if any. */
  private symlinkAbove(path: string): string | undefined {
    if (this.symlinks.size === 0) return undefined;
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const ancestor = path.slice(0, slash);
      if (this.symlinks.has(ancestor)) return ancestor;
    }
    return undefined;
  }
}

function ignore(): void {
  // Errors of these pipelines reach the reader at their end, which reports them.
}
