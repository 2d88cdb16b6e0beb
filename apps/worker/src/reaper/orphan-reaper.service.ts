import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { DataSource } from 'typeorm';
import { listStackContainers, removeContainer } from '@lockbox/analysis-sdk/sandbox';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { DOCKER_CLIENT } from '@lockbox/sandbox';
import {
  type AttemptRef,
  isAttemptHeld,
  type LeaseHolder,
  type LeaseView,
  mountPointsUnder,
  STAGING_KINDS,
  stagingDirAttempt,
  stagingDirOf,
} from './orphan-reaper';

const runCommand = promisify(execFile);
const UMOUNT_TIMEOUT_MS = 10_000;

/** What one pass removed. */
export interface ReapReport {
  containers: string[];
  mounts: string[];
  directories: string[];
}

/**
 * Removes what a crashed worker (or one that lost its lease) left on this host: analysis containers
 * labelled with this stack's `lockbox.instance`, output tmpfs mounts and staging directories under
 * `<home>/work/`, whenever no live worker holds the lease of their attempt (ARCHITECTURE §5). Runs at
 * start and then once per heartbeat expiry, the time after which a silent worker counts as dead (reaping
 * more often would find nothing new). Another stack's containers carry another instance label and are
 * never listed; its files live under another home.
 */
@Injectable()
export class OrphanReaperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrphanReaperService.name);
  private timer?: NodeJS.Timeout;
  private pass?: Promise<ReapReport>;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DOCKER_CLIENT) private readonly docker: Docker,
  ) {}

  onApplicationBootstrap(): void {
    void this.reapLogged();
    this.timer = setInterval(() => void this.reapLogged(), this.config.worker.heartbeatExpiryMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.pass?.catch(() => undefined);
  }

  /** One pass; a pass already under way is joined rather than overlapped. */
  reap(): Promise<ReapReport> {
    this.pass ??= this.reapOnce().finally(() => (this.pass = undefined));
    return this.pass;
  }

  private async reapLogged(): Promise<void> {
    try {
      const report = await this.reap();
      const removed = [...report.containers.map((id) => `container ${id.slice(0, 12)}`), ...report.mounts, ...report.directories];
      if (removed.length > 0) this.logger.log(`reaped orphans: ${removed.join(', ')}`);
    } catch (error) {
      this.logger.warn(`reaping orphans failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async reapOnce(): Promise<ReapReport> {
    const workRoot = join(this.config.home, 'work');
    // Everything on the host is listed before the leases are read: whatever a worker created after
    // claiming its job is then sure to find that claim in the view.
    const containers = await listStackContainers(this.docker, this.config.instanceId);
    const directories = await this.stagingDirectories(workRoot);
    const mounts = mountPointsUnder(await readFile('/proc/self/mounts', 'utf8').catch(() => ''), workRoot);
    const view = await this.leaseView();
    const report: ReapReport = { containers: [], mounts: [], directories: [] };

    for (const container of containers) {
      const ref: AttemptRef = { jobKey: container.runId, attempt: Number(container.attempt), workerId: container.workerId };
      if (isAttemptHeld(view, ref)) continue;
      if (await removeContainer(this.docker, container.id)) report.containers.push(container.id);
    }

    // Mounts go before their directories, deepest first, so no removal ever reaches into a mounted tmpfs.
    const unmountFailed = new Set<string>();
    for (const mountPoint of mounts.sort((a, b) => b.length - a.length)) {
      const staging = stagingDirOf(workRoot, mountPoint);
      const ref = staging && stagingDirAttempt(staging.kind, staging.name);
      if (!staging || !ref || isAttemptHeld(view, ref)) continue;
      if (await unmount(mountPoint)) report.mounts.push(mountPoint);
      else unmountFailed.add(staging.dir);
    }

    for (const { dir, ref } of directories) {
      if (isAttemptHeld(view, ref) || unmountFailed.has(dir)) continue;
      await rm(dir, { recursive: true, force: true });
      report.directories.push(dir);
    }
    return report;
  }

  private async stagingDirectories(workRoot: string): Promise<Array<{ dir: string; ref: AttemptRef }>> {
    const found: Array<{ dir: string; ref: AttemptRef }> = [];
    for (const kind of STAGING_KINDS) {
      const entries = await readdir(join(workRoot, kind), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const ref = entry.isDirectory() ? stagingDirAttempt(kind, entry.name) : undefined;
        if (ref) found.push({ dir: join(workRoot, kind, entry.name), ref });
      }
    }
    return found;
  }

  private async leaseView(): Promise<LeaseView> {
    const rows = (await this.dataSource.query(
      `SELECT id::text AS key, lease_owner, attempts FROM runs WHERE status = 'running' AND lease_expires_at > now()
       UNION ALL
       SELECT 'check-' || id::text, lease_owner, attempts FROM analysis_versions WHERE status = 'checking' AND lease_expires_at > now()`,
    )) as Array<{ key: string; lease_owner: string; attempts: number }>;
    const dead = (await this.dataSource.query(
      `SELECT id FROM worker_heartbeats WHERE stopped_at IS NOT NULL OR last_seen_at < now() - make_interval(secs => $1)`,
      [this.config.worker.heartbeatExpiryMs / 1000],
    )) as Array<{ id: string }>;
    return {
      leases: new Map<string, LeaseHolder>(rows.map((row) => [row.key, { owner: row.lease_owner, attempts: Number(row.attempts) }])),
      deadWorkers: new Set(dead.map((row) => row.id)),
    };
  }
}

/** Unmounts a leftover output tmpfs; a busy one is detached (lazy), which the kernel completes on release. */
async function unmount(mountPoint: string): Promise<boolean> {
  try {
    await runCommand('umount', [mountPoint], { timeout: UMOUNT_TIMEOUT_MS });
    return true;
  } catch {
    return runCommand('umount', ['-l', mountPoint], { timeout: UMOUNT_TIMEOUT_MS }).then(
      () => true,
      () => false,
    );
  }
}
