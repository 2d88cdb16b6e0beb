import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A developer's figures about their analysis, one row per analysis and closed ISO week, written once
 * (the first read after the week closed wins) and never changed: a trigger refuses any UPDATE, so no
 * later write to that week's runs can move what the developer saw. The index serves the weekly reads of
 * an analysis' runs by request time.
 */
export class PublishedWeekFigures1764500000000 implements MigrationInterface {
  name = 'PublishedWeekFigures1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE analysis_week_figures (
        analysis_id uuid NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
        week_start date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
        figures jsonb NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (analysis_id, week_start)
      )`);
    await queryRunner.query(`
      CREATE FUNCTION analysis_week_figures_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'published weekly figures are never changed (analysis %, week %)', OLD.analysis_id, OLD.week_start;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER analysis_week_figures_frozen BEFORE UPDATE ON analysis_week_figures
        FOR EACH ROW EXECUTE FUNCTION analysis_week_figures_frozen()`);
    await queryRunner.query(`CREATE INDEX runs_version_queued_idx ON runs (analysis_version_id, queued_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX runs_version_queued_idx`);
    await queryRunner.query(`DROP TABLE analysis_week_figures`);
    await queryRunner.query(`DROP FUNCTION analysis_week_figures_frozen()`);
  }
}
