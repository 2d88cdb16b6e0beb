import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { WorkersRepository } from '@lockbox/db';
import { DockerEngineRepository } from '@lockbox/sandbox';
import { PeriodicTask } from '@lockbox/scheduling';
import {
  type AttemptRef,
  isAttemptHeld,
  type LeaseHolder,
  type LeaseView,
  mountPointsUnder,
  OUTPUT_AREA_STOCKS,
  outputAreaStockDir,
  outputAreaStockOf,
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
 * `<home>/work/`, whenever no live worker holds the lease of their attempt (ARCHITECTURE §5), and the
 * stock of output areas of a worker whose heartbeat says it is gone. Runs at
 * start and then once per heartbeat expiry, the time after which a silent worker counts as dead (reaping
 * more often would find nothing new). Another stack's containers carry another instance label and are
 * never listed; its files live under another home.
 */
@Injectable()
export class OrphanReaperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrphanReaperService.name);
  private readonly reaping: PeriodicTask;
  private pass?: Promise<ReapReport>;

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly workers: WorkersRepository,
    private readonly engine: DockerEngineRepository,
  ) {
    this.reaping = new PeriodicTask({ name: 'reaping orphans', intervalMs: config.worker.heartbeatExpiryMs, logger: this.logger }, () => this.reapLogged());
  }

  onApplicationBootstrap(): void {
    this.reaping.start({ runNow: true });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reaping.stop();
    await this.pass?.catch(() => undefined);
  }

  /** One pass; a pass already under way is joined rather than overlapped. */
  reap(): Promise<ReapReport> {
    this.pass ??= this.reapOnce().finally(() => (this.pass = undefined));
    return this.pass;
  }

  private async reapLogged(): Promise<void> {
    const report = await this.reap();
    const removed = [...report.containers.map((id) => `container ${id.slice(0, 12)}`), ...report.mounts, ...report.directories];
    if (removed.length > 0) this.logger.log(`reaped orphans: ${removed.join(', ')}`);
  }

  private async reapOnce(): Promise<ReapReport> {
    const workRoot = join(this.config.home, 'work');
    // Everything on the host is listed before the leases are read: whatever a worker created after
    // claiming its job is then sure to find that claim in the view.
    const containers = await this.engine.stackContainers(this.config.instanceId);
    const directories = await this.stagingDirectories(workRoot);
    const stocks = await readdir(join(workRoot, OUTPUT_AREA_STOCKS)).catch(() => [] as string[]);
    const mounts = mountPointsUnder(await readFile('/proc/self/mounts', 'utf8').catch(() => ''), workRoot);
    const view = await this.leaseView();
    const report: ReapReport = { containers: [], mounts: [], directories: [] };

    for (const container of containers) {
      const ref: AttemptRef = { jobKey: container.runId, attempt: Number(container.attempt), workerId: container.workerId };
      if (isAttemptHeld(view, ref)) continue;
      if (await this.engine.removeContainer(container.id)) report.containers.push(container.id);
    }

    // Mounts go before their directories, deepest first, so no removal ever reaches into a mounted tmpfs.
    const unmountFailed = new Set<string>();
    for (const mountPoint of mounts.sort((a, b) => b.length - a.length)) {
      // A dead worker's stock of output areas: mounted ahead for runs it will never start, or given back unmounted.
      const stock = outputAreaStockOf(workRoot, mountPoint);
      if (stock) {
        if (!view.deadWorkers.has(stock.workerId)) continue;
        if (await unmount(mountPoint)) report.mounts.push(mountPoint);
        else unmountFailed.add(stock.dir);
        continue;
      }
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
    for (const workerId of stocks) {
      const dir = outputAreaStockDir(workRoot, workerId);
      if (!view.deadWorkers.has(workerId) || unmountFailed.has(dir)) continue;
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
    const rows = await this.workers.heldLeases();
    const dead = await this.workers.deadWorkerIds(this.config.worker.heartbeatExpiryMs / 1000);
    return {
      leases: new Map<string, LeaseHolder>(rows.map((row) => [row.key, { owner: row.lease_owner, attempts: Number(row.attempts) }])),
      deadWorkers: new Set(dead),
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
