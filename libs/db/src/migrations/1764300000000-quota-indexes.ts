import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the per-user quotas count on every request, read from an index of only the rows that count: a
 * user's runs queued or running (however many finished runs they have), and a developer's submissions
 * still waiting for a verdict.
 */
export class QuotaIndexes1764300000000 implements MigrationInterface {
  name = 'QuotaIndexes1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX runs_user_active_idx ON runs (user_id) WHERE status IN ('queued', 'running')`);
    await queryRunner.query(
      `CREATE INDEX analysis_versions_pending_idx ON analysis_versions (submitted_by) WHERE status IN ('submitted', 'checking', 'awaiting_review')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX analysis_versions_pending_idx`);
    await queryRunner.query(`DROP INDEX runs_user_active_idx`);
  }
}
