import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The correlation id of the request that queued a job, carried with its message (an SQS attribute) so
 * the worker's log lines for the job carry it too. A job sent again (the reconciler) keeps the id of the
 * request that created it: the first outbox row of the job, found by its subject.
 */
export class OutboxCorrelation1764700000000 implements MigrationInterface {
  name = 'OutboxCorrelation1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox ADD COLUMN correlation_id text`);
    await queryRunner.query(`CREATE INDEX outbox_subject_idx ON outbox (subject_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX outbox_subject_idx`);
    await queryRunner.query(`ALTER TABLE outbox DROP COLUMN correlation_id`);
  }
}
