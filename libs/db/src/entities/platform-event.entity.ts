import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Something a user should hear about (`run.succeeded`, `dataset.ready`, …). The durable record behind
 * SSE: Redis carries it live, and a client that reconnects is replayed from these rows by id.
 */
@Entity({ name: 'events' })
export class PlatformEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ name: 'subject_id', type: 'uuid', nullable: true })
  subjectId: string | null;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  /** Makes an event at-most-once however often its handler is replayed, e.g. `run:<id>:finished`. */
  @Column({ name: 'dedupe_key', type: 'text', nullable: true, unique: true })
  dedupeKey: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
