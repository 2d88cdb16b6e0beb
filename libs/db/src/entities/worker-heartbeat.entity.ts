import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface EngineStatus {
  reachable: boolean;
  version?: string;
  error?: string;
}

/** The last heartbeat of each worker process: what health reports and what the reaper trusts. */
@Entity({ name: 'worker_heartbeats' })
export class WorkerHeartbeat {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'instance_id', type: 'text' })
  instanceId: string;

  @Column({ type: 'text' })
  hostname: string;

  @Column({ type: 'integer' })
  pid: number;

  @Column({ type: 'jsonb' })
  engine: EngineStatus;

  /** Container runtimes that passed the start-up probe, e.g. ['runc', 'runsc']. */
  @Column({ type: 'text', array: true })
  runtimes: string[];

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;

  /** Set when the worker shut down cleanly. */
  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt: Date | null;
}
