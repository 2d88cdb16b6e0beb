import { Inject, Injectable } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { type EngineStatus, WorkersRepository } from '@lockbox/db';
import { RedisRepository } from '@lockbox/events';
import { QueueRepository } from '@lockbox/queue';
import { ObjectStorageRepository } from '@lockbox/storage';

const CHECK_TIMEOUT_MS = 2000;
/**
 * How long the anonymous up-or-down answer is reused: however many probes and load balancers ask, an
 * instance checks its dependencies at most once per this time.
 */
export const STATUS_CACHE_MS = 1000;

export interface DependencyCheck {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export interface WorkerView {
  id: string;
  hostname: string;
  pid: number;
  startedAt: string;
  lastSeenAt: string;
  engine: EngineStatus;
  runtimes: string[];
}

export type HealthStatus = 'up' | 'down';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<'postgres' | 'sqs' | 's3' | 'redis', DependencyCheck>;
  workers: WorkerView[];
}

function allUp(checks: HealthReport['checks']): boolean {
  return Object.values(checks).every((check) => check.status === 'up');
}

async function timed(probe: () => Promise<unknown>): Promise<DependencyCheck> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (error) {
    return { status: 'down', latencyMs: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
export class HealthService {
  /** The last dependency check and when it started; callers within STATUS_CACHE_MS share it, even while it runs. */
  private latestStatus?: { startedAt: number; status: Promise<HealthStatus> };

  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    private readonly workers: WorkersRepository,
    private readonly queue: QueueRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly redis: RedisRepository,
  ) {}

  /** Up when every dependency answers; what anyone may know. One check per STATUS_CACHE_MS, shared by every caller. */
  status(now = Date.now()): Promise<HealthStatus> {
    const latest = this.latestStatus;
    if (latest && now - latest.startedAt < STATUS_CACHE_MS) return latest.status;
    const status = this.checkDependencies().then((checks) => (allUp(checks) ? 'up' : 'down'));
    this.latestStatus = { startedAt: now, status };
    return status;
  }

  /** Every dependency with its latency or error, and the live workers: for admins only. */
  async report(): Promise<HealthReport> {
    const checks = await this.checkDependencies();
    const workers = checks.postgres.status === 'up' ? await this.liveWorkers().catch(() => []) : [];
    return { status: allUp(checks) ? 'ok' : 'unavailable', checks, workers };
  }

  private async checkDependencies(): Promise<HealthReport['checks']> {
    const [postgres, sqs, s3, redis] = await Promise.all([
      timed(() => this.workers.ping()),
      timed(() => this.queue.ping()),
      timed(() => this.storage.ping()),
      timed(() => this.redis.ping()),
    ]);
    return { postgres, sqs, s3, redis };
  }

  private async liveWorkers(): Promise<WorkerView[]> {
    const rows = await this.workers.liveWorkers(this.config.worker.heartbeatExpiryMs / 1000);
    return rows.map((row) => ({
      id: row.id,
      hostname: row.hostname,
      pid: row.pid,
      startedAt: row.started_at.toISOString(),
      lastSeenAt: row.last_seen_at.toISOString(),
      engine: row.engine,
      runtimes: row.runtimes,
    }));
  }
}
