import type { MigrationInterface, QueryRunner } from 'typeorm';

const JOB_TABLES = ['runs', 'datasets', 'analysis_versions'];
const RUN_REASONS_BEFORE = [
  'exit_code',
  'oom',
  'output_invalid',
  'output_limit',
  'log_limit',
  'image_unavailable',
  'deadline',
  'by_user',
  'analysis_suspended',
];

/**
 * Nothing is retried forever. `lost_attempts` counts, per job, the attempts that ended without an outcome
 * or a hand-back (the worker died, stalled past the job's deadline, or lost its lease); the claim that
 * would start one more past `LOCKBOX_JOB_MAX_ATTEMPTS` ends the job instead, a run with the new reason
 * `attempts_exhausted`. A version whose run or check got there is flagged for the admins
 * (`quarantined_at`, `quarantine_reason`); nothing else changes for it.
 */
export class JobAttemptCap1764200000000 implements MigrationInterface {
  name = 'JobAttemptCap1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of JOB_TABLES) await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN lost_attempts integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE runs DROP CONSTRAINT runs_reason_check`);
    await queryRunner.query(`ALTER TABLE runs ADD CONSTRAINT runs_reason_check CHECK (reason IN (${quoted([...RUN_REASONS_BEFORE, 'attempts_exhausted'])}))`);
    await queryRunner.query(`ALTER TABLE analysis_versions ADD COLUMN quarantined_at timestamptz, ADD COLUMN quarantine_reason text`);
    await queryRunner.query(`
      ALTER TABLE analysis_versions ADD CONSTRAINT analysis_versions_quarantine_check
        CHECK ((quarantined_at IS NULL) = (quarantine_reason IS NULL))`);
    // The admins' list of quarantined versions.
    await queryRunner.query(`CREATE INDEX analysis_versions_quarantined_idx ON analysis_versions (quarantined_at) WHERE quarantined_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX analysis_versions_quarantined_idx`);
    await queryRunner.query(`ALTER TABLE analysis_versions DROP CONSTRAINT analysis_versions_quarantine_check`);
    await queryRunner.query(`ALTER TABLE analysis_versions DROP COLUMN quarantine_reason, DROP COLUMN quarantined_at`);
    await queryRunner.query(`UPDATE runs SET reason = NULL WHERE reason = 'attempts_exhausted'`);
    await queryRunner.query(`ALTER TABLE runs DROP CONSTRAINT runs_reason_check`);
    await queryRunner.query(`ALTER TABLE runs ADD CONSTRAINT runs_reason_check CHECK (reason IN (${quoted(RUN_REASONS_BEFORE)}))`);
    for (const table of JOB_TABLES) await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN lost_attempts`);
  }
}

function quoted(values: string[]): string {
  return values.map((value) => `'${value}'`).join(', ');
}
