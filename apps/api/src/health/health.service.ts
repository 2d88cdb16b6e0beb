import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import type { EngineStatus } from '@lockbox/db';
import { RedisRepository } from '@lockbox/events';
import { QueueRepository } from '@lockbox/queue';
import { ObjectStorageRepository } from '@lockbox/storage';

const CHECK_TIMEOUT_MS = 2000;

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

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<'postgres' | 'sqs' | 's3' | 'redis', DependencyCheck>;
  workers: WorkerView[];
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
  constructor(
    @Inject(LOCKBOX_CONFIG) private readonly config: LockboxConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly queue: QueueRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly redis: RedisRepository,
  ) {}

  async report(): Promise<HealthReport> {
    const [postgres, sqs, s3, redis] = await Promise.all([
      timed(() => this.dataSource.query('SELECT 1')),
      timed(() => this.queue.ping()),
      timed(() => this.storage.ping()),
      timed(() => this.redis.ping()),
    ]);
    const checks = { postgres, sqs, s3, redis };
    const workers = postgres.status === 'up' ? await this.liveWorkers().catch(() => []) : [];
    const allUp = Object.values(checks).every((check) => check.status === 'up');
    return { status: allUp ? 'ok' : 'unavailable', checks, workers };
  }

  private async liveWorkers(): Promise<WorkerView[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, hostname, pid, started_at, last_seen_at, engine, runtimes
         FROM worker_heartbeats
        WHERE stopped_at IS NULL AND last_seen_at > now() - make_interval(secs => $1)
        ORDER BY started_at`,
      [this.config.worker.heartbeatExpiryMs / 1000],
    );
    return rows.map((row) => ({
      id: row.id as string,
      hostname: row.hostname as string,
      pid: row.pid as number,
      startedAt: (row.started_at as Date).toISOString(),
      lastSeenAt: (row.last_seen_at as Date).toISOString(),
      engine: row.engine as EngineStatus,
      runtimes: row.runtimes as string[],
    }));
  }
}
