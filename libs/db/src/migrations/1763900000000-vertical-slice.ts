import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Datasets, the marketplace (analyses and their versions), runs with consent receipts, and the rows
 * that carry work and news: the outbox, events, notifications and the audit trail.
 *
 * Job tables (datasets, analysis_versions, runs) share one shape for claims: `attempts`, a lease
 * (`lease_owner`, `lease_expires_at`) and `row_version`, which every state change checks and bumps.
 */
export class VerticalSlice1763900000000 implements MigrationInterface {
  name = 'VerticalSlice1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        message_type text NOT NULL,
        subject_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        publish_attempts integer NOT NULL DEFAULT 0,
        last_error text
      )`);
    await queryRunner.query(`CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL`);

    await queryRunner.query(`
      CREATE TABLE datasets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL,
        format text NOT NULL,
        source text NOT NULL,
        status text NOT NULL CHECK (status IN ('uploaded', 'ingesting', 'ready', 'failed')),
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        raw_key text NOT NULL,
        curated_prefix text,
        record_count integer NOT NULL DEFAULT 0,
        error_count integer NOT NULL DEFAULT 0,
        line_errors jsonb NOT NULL DEFAULT '[]',
        record_kinds jsonb NOT NULL DEFAULT '{}',
        failure_message text,
        attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_expires_at timestamptz,
        row_version integer NOT NULL DEFAULT 0,
        last_published_at timestamptz,
        ingested_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX datasets_user_idx ON datasets (user_id, created_at DESC)`);

    await queryRunner.query(`
      CREATE TABLE analyses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE,
        owner_id uuid NOT NULL REFERENCES users (id),
        title text NOT NULL,
        description text NOT NULL,
        category text NOT NULL,
        price integer NOT NULL DEFAULT 0 CHECK (price >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE analysis_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        analysis_id uuid NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
        version text NOT NULL,
        status text NOT NULL CHECK (status IN ('submitted', 'checking', 'awaiting_review', 'published', 'rejected', 'check_failed', 'suspended')),
        manifest jsonb NOT NULL,
        submitted_by uuid NOT NULL REFERENCES users (id),
        upload_key text NOT NULL,
        upload_bytes bigint NOT NULL,
        upload_sha256 text NOT NULL,
        image_id text,
        image_key text,
        check_report jsonb,
        review_reason text,
        reviewed_by uuid REFERENCES users (id),
        reviewed_at timestamptz,
        published_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_expires_at timestamptz,
        row_version integer NOT NULL DEFAULT 0,
        last_published_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (analysis_id, version)
      )`);
    await queryRunner.query(`CREATE INDEX analysis_versions_status_idx ON analysis_versions (status, created_at)`);

    await queryRunner.query(`
      CREATE TABLE runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        analysis_version_id uuid NOT NULL REFERENCES analysis_versions (id),
        dataset_ids uuid[] NOT NULL,
        params jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled')),
        reason text CHECK (reason IN ('exit_code', 'oom', 'output_invalid', 'output_limit', 'log_limit', 'image_unavailable', 'deadline', 'by_user', 'analysis_suspended')),
        message text,
        attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_expires_at timestamptz,
        row_version integer NOT NULL DEFAULT 0,
        cancel_requested_at timestamptz,
        queued_at timestamptz NOT NULL DEFAULT now(),
        last_published_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        container_ms integer,
        progress real,
        progress_message text,
        result_key text,
        result_summary text,
        log_key text,
        log_bytes bigint,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX runs_user_idx ON runs (user_id, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX runs_queued_idx ON runs (queued_at) WHERE status = 'queued'`);
    await queryRunner.query(`CREATE INDEX runs_version_idx ON runs (analysis_version_id)`);

    await queryRunner.query(`
      CREATE TABLE consent_receipts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL UNIQUE REFERENCES runs (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        analysis_version_id uuid NOT NULL REFERENCES analysis_versions (id),
        image_id text NOT NULL,
        scopes jsonb NOT NULL,
        granted_at timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      CREATE TABLE events (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        type text NOT NULL,
        subject_id uuid,
        payload jsonb NOT NULL,
        dedupe_key text UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX events_user_idx ON events (user_id, id)`);

    await queryRunner.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        type text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        subject_id uuid,
        dedupe_key text NOT NULL UNIQUE,
        read_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC)`);

    await queryRunner.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        actor_id uuid,
        actor text NOT NULL,
        subject_user_id uuid,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id uuid,
        detail jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_subject_idx ON audit_events (subject_user_id, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_events', 'notifications', 'events', 'consent_receipts', 'runs', 'analysis_versions', 'analyses', 'datasets', 'outbox']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
