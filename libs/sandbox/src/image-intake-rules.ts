// The vocabulary of image intake verdicts (ARCHITECTURE §5 "Intake before docker load"), shared by the
// tarball-level and the layer-level checks.

/**
 * Why an image tarball is refused. Each id is one rule:
 * - `not_a_tar`: not a tar (random bytes, truncated, empty, or compressed other than with gzip);
 * - `tarball_size`: the tarball is over the upload cap;
 * - `entry_count`: too many entries in the outer archive or in the layers together;
 * - `name_length`: an entry name longer than the archive or the filesystem allows;
 * - `path_escape`: an absolute path, a `..` segment or NUL in a name, or a link target outside the root;
 * - `tar_header`: a tar header that Docker's reader (Go's archive/tar) would read differently from intake: a
 *   PAX global header, a PAX or GNU long-name record that disagrees with its header, a sparse file, a link
 *   or directory with a data size, a name that is not UTF-8, data after the end-of-archive marker (see
 *   TarReader in tar-archive.ts);
 * - `entry_type`: a link, device, FIFO or unknown entry type where none is allowed;
 * - `link_target`: an outer symlink that does not resolve, inside the tarball, to a regular file that the
 *   manifest names as a layer (a link to a link, to a directory, to a config or to nothing);
 * - `duplicate_entry`: the same outer path twice (Docker would keep the last one; a reader the first), or a
 *   path below a file or a link;
 * - `link_then_write`: a layer entry written through a symlink created earlier in the same layer;
 * - `layout`: neither a docker-save nor an OCI layout, or one that is malformed or inconsistent;
 * - `multiple_images`: more than one image in the tarball;
 * - `json_size`: a manifest, index or config JSON over 1 MiB, or nested more than 64 levels deep;
 * - `duplicate_key`: a manifest, index or config JSON with a key twice in one object, or two keys that
 *   differ only in case (JavaScript keeps the last, Go merges them; see image-json.ts);
 * - `config`: the image config does not parse or breaks the image-config policy (VOLUME, WORKDIR, …);
 * - `architecture`: not linux/amd64;
 * - `digest_mismatch`: a blob whose sha256 or size differs from its descriptor, or a layer whose
 *   uncompressed sha256 differs from the config's diff_id;
 * - `layer_count`: more layers than the platform allows;
 * - `layer_format`: a layer that is not a tar, or is compressed other than with gzip (or zstd, where this
 *   Node.js can read it);
 * - `decompressed_size`: the layers decompress to more than the platform allows.
 */
export type IntakeRule =
  | 'not_a_tar'
  | 'tarball_size'
  | 'entry_count'
  | 'name_length'
  | 'path_escape'
  | 'tar_header'
  | 'entry_type'
  | 'link_target'
  | 'duplicate_entry'
  | 'link_then_write'
  | 'layout'
  | 'multiple_images'
  | 'json_size'
  | 'duplicate_key'
  | 'config'
  | 'architecture'
  | 'digest_mismatch'
  | 'layer_count'
  | 'layer_format'
  | 'decompressed_size';

export interface IntakeViolation {
  rule: IntakeRule;
  message: string;
}

/** A cap that ends the inspection at once (reading further would be the very cost the cap prevents). */
export class IntakeLimitError extends Error {
  constructor(
    readonly rule: IntakeRule,
    message: string,
  ) {
    super(message);
    this.name = 'IntakeLimitError';
  }
}

/** A hostile tarball can break the same rule millions of times; the report lists only this many. */
const MAX_REPORTED_VIOLATIONS = 100;
/** Names in messages are cut to this length: they come from the tarball and can be long. */
const MAX_QUOTED_NAME = 200;

/** Violations and notes collected while inspecting one tarball. */
export class IntakeFindings {
  readonly violations: IntakeViolation[] = [];
  readonly notes: string[] = [];
  private unlisted = 0;

  violation(rule: IntakeRule, message: string): void {
    if (this.violations.length < MAX_REPORTED_VIOLATIONS) this.violations.push({ rule, message });
    else this.unlisted += 1;
  }

  note(message: string): void {
    this.notes.push(message);
  }

  has(rule?: IntakeRule): boolean {
    return rule === undefined ? this.violations.length > 0 : this.violations.some((violation) => violation.rule === rule);
  }

  /** The notes, plus how many violations were not listed. */
  allNotes(): string[] {
    return this.unlisted > 0 ? [...this.notes, `${this.unlisted} further violations are not listed`] : [...this.notes];
  }
}

/** A name from the tarball, quoted and cut for a message. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > MAX_QUOTED_NAME ? `${name.slice(0, MAX_QUOTED_NAME)}…` : name);
}

// Helpers for reading the tarball's JSON documents the way the engine (Go's encoding/json) does.

export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Go's encoding/json matches object keys to struct fields case-insensitively. This is close enough to its
 * folding for ASCII field names, including the two non-ASCII letters that fold onto ASCII (K, ſ).
 */
export function foldCase(key: string): string {
  return key.toUpperCase().toLowerCase();
}
