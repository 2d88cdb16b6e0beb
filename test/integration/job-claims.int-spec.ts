import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadConfig } from '@lockbox/config';
import { claimFence, claimJob, dataSourceOptions, type JobClaim, quarantineVersion, releaseJob } from '@lockbox/db';

// jest ignores `testTimeout` inside a project of a multi-project config (jest-circus reads only the global one).
jest.setTimeout(120_000);

/**
 * Claims and the attempt cap against the real PostgreSQL of the test stack: which attempts count as lost,
 * where the cap falls (both sides of it), and the quarantine flag. The fault-injected version of the same,
 * with workers really killed, is test/reliability/attempts-cap.reliability-spec.ts.
 */
describe('job claims and the attempt cap', () => {
  let db: DataSource;
  let userId: string;
  let versionId: string;

  beforeAll(async () => {
    db = new DataSource(dataSourceOptions(loadConfig().database.url));
    await db.initialize();
    [{ id: userId }] = (await db.query(`INSERT INTO users (email, password_hash, role) VALUES ($1, 'x', 'developer') RETURNING id`, [
      `claims-${randomUUID()}@example.com`,
    ])) as [{ id: string }];
    const [{ id: analysisId }] = (await db.query(
      `INSERT INTO analyses (slug, owner_id, title, description, category) VALUES ($1, $2, 'Claims', 'd', 'other') RETURNING id`,
      [`claims-${randomUUID().slice(0, 8)}`, userId],
    )) as [{ id: string }];
    [{ id: versionId }] = (await db.query(
      `INSERT INTO analysis_versions (analysis_id, version, status, manifest, submitted_by, upload_key, upload_bytes, upload_sha256)
       VALUES ($1, '1.0.0', 'submitted', '{}'::jsonb, $2, 'uploads/x', 1, 'x') RETURNING id`,
      [analysisId, userId],
    )) as [{ id: string }];
  });

  afterAll(async () => {
    await db?.query(`DELETE FROM analyses WHERE owner_id = $1`, [userId]).catch(() => undefined);
    await db?.query(`DELETE FROM users WHERE id = $1`, [userId]).catch(() => undefined);
    await db?.destroy();
  });

  async function newDataset(): Promise<string> {
    const [{ id }] = (await db.query(
      `INSERT INTO datasets (user_id, name, format, source, status, size_bytes, sha256, raw_key) VALUES ($1, 'd', 'lockbox-jsonl', 'upload', 'uploaded', 1, 'x', 'raw/x') RETURNING id`,
      [userId],
    )) as [{ id: string }];
    return id;
  }

  /** What a worker that dies leaves behind: the job active, its lease run out. */
  async function expireLease(table: string, id: string): Promise<void> {
    await db.query(`UPDATE ${table} SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
  }

  const claim = (id: string, cap: number, table: 'datasets' | 'analysis_versions' = 'datasets'): Promise<JobClaim | undefined> =>
    claimJob(db, table, id, `worker-${randomUUID().slice(0, 6)}`, 30_000, cap);

  it('counts an attempt as lost only when the next claim finds its lease expired; a hand-back is not lost', async () => {
    const id = await newDataset();
    const first = await claim(id, 3);
    expect(first).toMatchObject({ attempts: 1, lostAttempts: 0, exhausted: false });
    // Held: a duplicate finds nothing to claim.
    expect(await claim(id, 3)).toBeUndefined();

    expect(await releaseJob(db, 'datasets', first!)).toBe(true);
    const second = await claim(id, 3);
    expect(second).toMatchObject({ attempts: 2, lostAttempts: 0, exhausted: false });

    await expireLease('datasets', id);
    expect(await claim(id, 3)).toMatchObject({ attempts: 3, lostAttempts: 1, exhausted: false });
  });

  it('starts the attempts the cap allows and not one more: the claim after the last lost one is exhausted and starts none', async () => {
    const id = await newDataset();
    expect(await claim(id, 2)).toMatchObject({ attempts: 1, lostAttempts: 0, exhausted: false });
    await expireLease('datasets', id);
    // One lost, under the cap of 2: another attempt starts.
    expect(await claim(id, 2)).toMatchObject({ attempts: 2, lostAttempts: 1, exhausted: false });
    await expireLease('datasets', id);
    // Two lost, the cap: no third attempt; the claim holds the job only to end it.
    const exhausted = await claim(id, 2);
    expect(exhausted).toMatchObject({ attempts: 2, lostAttempts: 2, exhausted: true });
    const [row] = (await db.query(`SELECT status, attempts, lost_attempts, lease_owner FROM datasets WHERE id = $1`, [id])) as Array<Record<string, unknown>>;
    expect(row).toEqual({ status: 'ingesting', attempts: 2, lost_attempts: 2, lease_owner: exhausted!.workerId });

    // Its final write is fenced like any other: only the holder's goes through.
    const fence = claimFence(exhausted!, 2);
    const [, affected] = (await db.query(`UPDATE datasets SET status = 'failed', row_version = row_version + 1 WHERE id = $1 AND ${fence.sql}`, [
      id,
      ...fence.parameters,
    ])) as [unknown, number];
    expect(affected).toBe(1);
    expect(await claim(id, 2)).toBeUndefined();
  });

  it('stays exhausted when the claim that was to end it hands it back (a platform fault) or dies', async () => {
    const id = await newDataset();
    await claim(id, 1);
    await expireLease('datasets', id);
    const exhausted = await claim(id, 1);
    expect(exhausted).toMatchObject({ attempts: 1, lostAttempts: 1, exhausted: true });
    await releaseJob(db, 'datasets', exhausted!);
    expect(await claim(id, 1)).toMatchObject({ attempts: 1, lostAttempts: 1, exhausted: true });
    await expireLease('datasets', id);
    expect(await claim(id, 1)).toMatchObject({ attempts: 1, lostAttempts: 2, exhausted: true });
  });

  it('applies to submission checks alike, and keeps every run reason of the vocabulary, attempts_exhausted included', async () => {
    await claim(versionId, 1, 'analysis_versions');
    await expireLease('analysis_versions', versionId);
    expect(await claim(versionId, 1, 'analysis_versions')).toMatchObject({ lostAttempts: 1, exhausted: true });

    const checks = (await db.query(`SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = 'runs_reason_check'`)) as Array<{
      definition: string;
    }>;
    expect(checks[0]!.definition).toContain("'attempts_exhausted'");
    expect(checks[0]!.definition).toContain("'image_unavailable'");
  });

  it('flags a version once: the first cause keeps its date and reason, and one audit row is written', async () => {
    const cause = { job: 'run' as const, jobId: randomUUID(), lostAttempts: 3, actor: 'worker:test' };
    const [before] = (await db.query(`SELECT row_version FROM analysis_versions WHERE id = $1`, [versionId])) as Array<{ row_version: number }>;
    expect(await quarantineVersion(db, versionId, cause)).toBe(true);
    expect(await quarantineVersion(db, versionId, { ...cause, jobId: randomUUID() })).toBe(false);
    const [version] = (await db.query(`SELECT quarantined_at, quarantine_reason, row_version FROM analysis_versions WHERE id = $1`, [versionId])) as Array<{
      quarantined_at: Date | null;
      quarantine_reason: string;
      row_version: number;
    }>;
    expect(version!.quarantined_at).toBeInstanceOf(Date);
    // No claim or review of the version is fenced out by the flag.
    expect(version!.row_version).toBe(before!.row_version);
    expect(version!.quarantine_reason).toBe(`3 attempts of run ${cause.jobId} each killed or stalled the worker running it`);
    const audit = (await db.query(`SELECT actor, detail FROM audit_events WHERE action = 'analysis_version.quarantined' AND target_id = $1`, [
      versionId,
    ])) as Array<{
      actor: string;
      detail: Record<string, unknown>;
    }>;
    expect(audit).toEqual([{ actor: 'worker:test', detail: expect.objectContaining({ job: 'run', jobId: cause.jobId, lostAttempts: 3 }) }]);
  });
});
