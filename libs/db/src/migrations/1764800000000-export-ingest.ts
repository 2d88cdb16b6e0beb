import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Real exports in (issues 14 and 15): a dataset keeps the mapping its upload named (`csv`, `jsonl`) and
 * the ingest report; `record_keys` holds each dataset's stable record keys (SHA-256, 32 bytes), so staging
 * gives a run each record once however many of the person's datasets hold it. Keys go with their dataset.
 */
export class ExportIngest1764800000000 implements MigrationInterface {
  name = 'ExportIngest1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE datasets ADD COLUMN mapping jsonb, ADD COLUMN report jsonb`);
    await queryRunner.query(`
      CREATE TABLE record_keys (
        dataset_id uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        key bytea NOT NULL CHECK (octet_length(key) = 32),
        PRIMARY KEY (dataset_id, key)
      )`);
    await queryRunner.query(`CREATE INDEX record_keys_user_key_idx ON record_keys (user_id, key)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE record_keys`);
    await queryRunner.query(`ALTER TABLE datasets DROP COLUMN report, DROP COLUMN mapping`);
  }
}
