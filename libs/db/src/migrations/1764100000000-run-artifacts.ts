import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The files a succeeded run left in /output/artifacts/, as stored: name, storage key, size and type. */
export class RunArtifacts1764100000000 implements MigrationInterface {
  name = 'RunArtifacts1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE runs ADD COLUMN artifacts jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE runs DROP COLUMN artifacts`);
  }
}
