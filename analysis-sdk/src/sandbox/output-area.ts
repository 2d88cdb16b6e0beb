// The per-run host directory bind-mounted at /output (ARCHITECTURE §5).
//
// On a worker (root) it is a tmpfs of its own, sized to the run's output cap (plus page slack):
// - the kernel enforces the byte and inode caps, for runc and for gVisor alike, so an analysis can
//   never fill the host disk, whatever it writes and however it writes it;
// - unlike a tmpfs inside the container, it outlives the container, so the output is collected
//   after the analysis is dead and can no longer change it;
// - nosuid,nodev,noexec: nothing an analysis leaves there can act as a program or a device on the host.
// tmpfs pages are charged to the memory cgroup of the writer, so output also counts against the
// run's memory limit.
//
// On a developer's machine (not root, so no mount) it is a plain directory: the cap is then the
// container's `fsize` ulimit per file, and after the run the same thresholds as the tmpfs's and the
// collection caps (collect-output.ts), so the verdict is the platform's.
import { chmod, chown, lstat, mkdtemp, opendir, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OUTPUT_MAX_DIRECTORIES } from './collect-output';
import { runMountCommand } from './mount-helper';

const COMMAND_TIMEOUT_MS = 10_000;
// amd64 (the only platform analyses run on) has 4 KiB pages.
const TMPFS_PAGE_BYTES = 4096;
/** statfs's f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

export interface OutputAreaOptions {
  /** The run's output cap (manifest `resources.output`). */
  sizeBytes: number;
  /** The container user, who must be able to write the area. */
  uid: number;
  gid: number;
  /** The output file cap (`runOutputMaxFiles`). */
  maxFiles: number;
}

/** Why an output area cannot take more, if it is full. */
export type OutputAreaFullness = 'bytes' | 'files' | undefined;

export interface OutputArea {
  /** The host path to bind-mount at /output. */
  readonly path: string;
  readonly kind: 'tmpfs' | 'directory';
  /** Whether the area is still what it was made as (a tmpfs still mounted at its path), so a run may take it. */
  intact(): Promise<boolean>;
  /** Whether the analysis ran into the area's own cap (only a tmpfs has one), which means it went past the output caps. */
  fullness(): Promise<OutputAreaFullness>;
  /** Unmounts and removes the area. Safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * What the area itself holds. It is the backstop that protects the host; collection checks the exact
 * caps. tmpfs counts whole pages, so the area gets one page per allowed file on top of the byte cap
 * (an output of small files within the cap always fits), and inodes for the files, the directories,
 * the root and one spare. Running out of either therefore means the output was over its caps.
 */
function areaCaps(options: Pick<OutputAreaOptions, 'sizeBytes' | 'maxFiles'>): { bytes: number; inodes: number } {
  return { bytes: options.sizeBytes + (options.maxFiles + 1) * TMPFS_PAGE_BYTES, inodes: options.maxFiles + OUTPUT_MAX_DIRECTORIES + 2 };
}

export class TmpfsOutputArea implements OutputArea {
  readonly kind = 'tmpfs';
  private disposed = false;

  private constructor(readonly path: string) {}

  /** Mounts a fresh tmpfs in a new directory under parentDir. Needs root (CAP_SYS_ADMIN). */
  static async create(parentDir: string, options: OutputAreaOptions): Promise<TmpfsOutputArea> {
    const { sizeBytes, uid, gid, maxFiles } = options;
    for (const [name, value] of Object.entries({ sizeBytes, uid, gid, maxFiles })) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer (got ${value})`);
    }
    // mkdtemp creates the directory with mode 0700: nobody else on the host can look in.
    const path = await mkdtemp(join(parentDir, 'output-'));
    const { bytes, inodes } = areaCaps(options);
    const mountOptions = `size=${bytes},mode=0700,uid=${uid},gid=${gid},nosuid,nodev,noexec,nr_inodes=${inodes}`;
    try {
      await runMountCommand('mount', ['-t', 'tmpfs', '-o', mountOptions, 'tmpfs', path], COMMAND_TIMEOUT_MS);
    } catch (error) {
      await rm(path, { recursive: true, force: true });
      throw error;
    }
    return new TmpfsOutputArea(path);
  }

  /** Still a tmpfs mounted at its own path: its own device, unlike its parent's, and of the tmpfs type. */
  async intact(): Promise<boolean> {
    if (this.disposed) return false;
    const [own, parent, fs] = await Promise.all([stat(this.path), stat(dirname(this.path)), statfs(this.path)]).catch(() => []);
    return own !== undefined && parent !== undefined && own.dev !== parent.dev && fs?.type === TMPFS_MAGIC;
  }

  async fullness(): Promise<OutputAreaFullness> {
    const stats = await statfs(this.path);
    if (stats.bavail === 0) return 'bytes';
    if (stats.ffree === 0) return 'files';
    return undefined;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    try {
      await runMountCommand('umount', [this.path], COMMAND_TIMEOUT_MS);
    } catch {
      // Still busy (a process holding a file): detach it now, the kernel frees it when released. Unmounted
      // already (by the reaper): only the directory is left to remove.
      if (await this.intact()) await runMountCommand('umount', ['-l', this.path], COMMAND_TIMEOUT_MS);
    }
    await rm(this.path, { recursive: true, force: true });
    this.disposed = true;
  }
}

export class DirectoryOutputArea implements OutputArea {
  readonly kind = 'directory';
  private disposed = false;

  private constructor(
    readonly path: string,
    private readonly caps: { bytes: number; inodes: number },
  ) {}

  /** A plain directory under parentDir that the container user can write. No size cap of its own. */
  static async create(parentDir: string, options: OutputAreaOptions): Promise<DirectoryOutputArea> {
    const path = await mkdtemp(join(parentDir, 'output-'));
    try {
      await chown(path, options.uid, options.gid);
    } catch {
      // Not root, so it cannot be given to the container user: let every user write it instead.
      // mkdtemp's parent is the caller's work dir; keep that private to the developer.
      await chmod(path, 0o777);
    }
    return new DirectoryOutputArea(path, areaCaps(options));
  }

  async intact(): Promise<boolean> {
    return !this.disposed && (await lstat(this.path).catch(() => undefined))?.isDirectory() === true;
  }

  /**
   * Measures what a tmpfs would have refused, so a developer's run reaches the same verdict as the
   * platform's (there, an over-cap write fails with ENOSPC; here it may succeed or hit `fsize`).
   */
  async fullness(): Promise<OutputAreaFullness> {
    let bytes = 0;
    let inodes = 1;
    const pending = [this.path];
    while (pending.length > 0) {
      const directory = pending.pop()!;
      const handle = await opendir(directory).catch(() => undefined); // unreadable: collection reports it
      if (!handle) continue;
      for await (const entry of handle) {
        const path = join(directory, entry.name);
        const stats = await lstat(path).catch(() => undefined);
        if (!stats) continue;
        if (++inodes > this.caps.inodes) return 'files';
        if (stats.isDirectory()) pending.push(path);
        else if (stats.isFile()) bytes += stats.size;
        if (bytes > this.caps.bytes) return 'bytes';
      }
    }
    return undefined;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    // A non-root developer may be unable to delete what uid 10001 wrote in its own directories;
    // those files are left in the work dir rather than failing the run.
    await rm(this.path, { recursive: true, force: true }).catch(() => undefined);
    this.disposed = true;
  }
}

/** A tmpfs when running as root (workers), a plain directory otherwise (developers' machines). */
export async function createOutputArea(parentDir: string, options: OutputAreaOptions): Promise<OutputArea> {
  if (process.getuid?.() === 0) return TmpfsOutputArea.create(parentDir, options);
  return DirectoryOutputArea.create(parentDir, options);
}
