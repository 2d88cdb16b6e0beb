import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every access token carries the session epoch of its account when it was issued; a password change
 * raises the epoch, which ends every earlier access token (and event ticket) of the account at once.
 */
export class SessionEpoch1764400000000 implements MigrationInterface {
  name = 'SessionEpoch1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users DROP COLUMN session_epoch`);
  }
}
