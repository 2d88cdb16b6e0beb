import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's sessions, kept on the server: the browser holds only a random secret in an HttpOnly
 * cookie, stored here as its SHA-256. A row carries the account's session epoch at sign-in, so a
 * password change ends it like every access token; sign-out and the timeouts delete or refuse it.
 */
export class BrowserSessions1764900000000 implements MigrationInterface {
  name = 'BrowserSessions1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE browser_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash bytea NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        session_epoch integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX browser_sessions_user_id ON browser_sessions (user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE browser_sessions`);
  }
}
