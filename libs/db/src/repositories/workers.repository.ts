import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type EngineStatus, WorkerHeartbeat } from '../entities/worker-heartbeat.entity';

/** A worker that beat recently and has not stopped. */
export interface LiveWorkerRow {
  id: string;
  hostname: string;
  pid: number;
  started_at: Date;
  last_seen_at: Date;
  engine: EngineStatus;
  runtimes: string[];
}

/** A live lease on a run (`<run id>`) or a check (`check-<version id>`): who holds it, at which attempt. */
export interface HeldLeaseRow {
  key: string;
  lease_owner: string;
  attempts: number;
}

/**
 * The workers' heartbeats (`worker_heartbeats`), and the leases the reaper compares its containers
 * with. The health endpoint's probe of the database is here too: it is the one query about the platform
 * itself rather than an aggregate.
 */
@Injectable()
export class WorkersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The cheapest round trip: PostgreSQL answers. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /** Records a heartbeat (the row of the worker, created on its first beat). */
  async beat(heartbeat: Omit<WorkerHeartbeat, 'stoppedAt'>): Promise<void> {
    await this.dataSource.getRepository(WorkerHeartbeat).upsert({ ...heartbeat, stoppedAt: null }, ['id']);
  }

  async markStopped(workerId: string): Promise<void> {
    await this.dataSource.getRepository(WorkerHeartbeat).update({ id: workerId }, { stoppedAt: new Date() });
  }

  /** Workers seen within `expirySeconds` and not stopped, oldest first. */
  async liveWorkers(expirySeconds: number): Promise<LiveWorkerRow[]> {
    return (await this.dataSource.query(
      `SELECT id, hostname, pid, started_at, last_seen_at, engine, runtimes
         FROM worker_heartbeats
        WHERE stopped_at IS NULL AND last_seen_at > now() - make_interval(secs => $1)
        ORDER BY started_at`,
      [expirySeconds],
    )) as LiveWorkerRow[];
  }

  /** Workers that stopped, or have not beaten within `expirySeconds`. */
  async deadWorkerIds(expirySeconds: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM worker_heartbeats WHERE stopped_at IS NOT NULL OR last_seen_at < now() - make_interval(secs => $1)`,
      [expirySeconds],
    )) as Array<{ id: string }>;
    return rows.map((row) => row.id);
  }

  /** Every live lease on a run or a check. */
  async heldLeases(): Promise<HeldLeaseRow[]> {
    return (await this.dataSource.query(
      `SELECT id::text AS key, lease_owner, attempts FROM runs WHERE status = 'running' AND lease_expires_at > now()
       UNION ALL
       SELECT 'check-' || id::text, lease_owner, attempts FROM analysis_versions WHERE status = 'checking' AND lease_expires_at > now()`,
    )) as HeldLeaseRow[];
  }
}
