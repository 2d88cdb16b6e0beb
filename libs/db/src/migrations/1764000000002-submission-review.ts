import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Review binds approval to an image: `approved_image_id` records the image ID the admin approved, and a
 * CHECK keeps a published (or later suspended) version's image equal to it, so no write can swap the
 * image of a version after review. The partial index serves the catalogue, which reads published versions.
 */
export class SubmissionReview1764000000002 implements MigrationInterface {
  name = 'SubmissionReview1764000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE analysis_versions ADD COLUMN approved_image_id text`);
    await queryRunner.query(`
      ALTER TABLE analysis_versions ADD CONSTRAINT analysis_versions_approved_image_check
        CHECK (status NOT IN ('published', 'suspended') OR (image_id IS NOT NULL AND approved_image_id = image_id))`);
    await queryRunner.query(`CREATE INDEX analysis_versions_published_idx ON analysis_versions (analysis_id) WHERE status = 'published'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX analysis_versions_published_idx`);
    await queryRunner.query(`ALTER TABLE analysis_versions DROP CONSTRAINT analysis_versions_approved_image_check`);
    await queryRunner.query(`ALTER TABLE analysis_versions DROP COLUMN approved_image_id`);
  }
}
