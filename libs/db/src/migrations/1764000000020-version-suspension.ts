import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Suspension of a published version by an admin: who, when and why, kept on the version (the review's
 * own reason stays as it was). The index serves the developer's aggregate figures, read per analysis.
 */
export class VersionSuspension1764000000020 implements MigrationInterface {
  name = 'VersionSuspension1764000000020';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE analysis_versions ADD COLUMN suspended_at timestamptz, ADD COLUMN suspended_by uuid, ADD COLUMN suspension_reason text`,
    );
    await queryRunner.query(`
      ALTER TABLE analysis_versions ADD CONSTRAINT analysis_versions_suspension_check
        CHECK (status <> 'suspended' OR (suspended_at IS NOT NULL AND suspension_reason IS NOT NULL))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE analysis_versions DROP CONSTRAINT analysis_versions_suspension_check`);
    await queryRunner.query(`ALTER TABLE analysis_versions DROP COLUMN suspension_reason, DROP COLUMN suspended_by, DROP COLUMN suspended_at`);
  }
}
