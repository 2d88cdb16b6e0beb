// The submission verdicts' one writer against a real PostgreSQL: fenced by the check's claim, and of
// several admins deciding at once exactly one decides, with one event and one notification.
import { claimJob, type CheckReport } from '@lockbox/db';
import { freshDatabase, type TestDatabase } from './support/database';

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  await db?.close();
});

const REPORT: CheckReport = { passed: true, checkedAt: '2026-12-04T00:00:00.000Z', violations: [], notes: [] };

/** A developer's submitted version, as a submission records it. */
async function submittedVersion(): Promise<{ versionId: string; developerId: string }> {
  const [developer] = (await db.dataSource.query(`INSERT INTO users (email, password_hash, role) VALUES ($1, 'x', 'developer') RETURNING id`, [
    `dev-${Math.random().toString(36).slice(2)}@test.local`,
  ])) as Array<{ id: string }>;
  const slug = `analysis-${Math.random().toString(36).slice(2, 10)}`;
  const manifest = { name: slug, title: 'Probe', version: '1.0.0', description: 'd', category: 'other', price: 0 };
  return db.dataSource.transaction(async (manager) => {
    const analysis = await db.submissions.claimAnalysisName(manager, developer!.id, manifest as never);
    const version = await db.submissions.insertSubmitted(manager, {
      versionId: crypto.randomUUID(),
      analysisId: analysis.id,
      manifest: manifest as never,
      developerId: developer!.id,
      uploadKey: 'uploads/x',
      uploadBytes: 1,
      uploadSha256: 'sha',
    });
    return { versionId: version.id, developerId: developer!.id };
  });
}

async function recordsOf(versionId: string): Promise<{ events: string[]; notifications: number; audits: string[] }> {
  const events = (await db.dataSource.query(`SELECT type FROM events WHERE subject_id = $1 ORDER BY id`, [versionId])) as Array<{ type: string }>;
  const [{ notifications }] = (await db.dataSource.query(`SELECT count(*)::int AS notifications FROM notifications WHERE subject_id = $1`, [versionId])) as [
    { notifications: number },
  ];
  const audits = (await db.dataSource.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY id`, [versionId])) as Array<{ action: string }>;
  return { events: events.map((row) => row.type), notifications, audits: audits.map((row) => row.action) };
}

async function checkedVersion(): Promise<{ versionId: string }> {
  const { versionId } = await submittedVersion();
  const claim = (await claimJob(db.dataSource.manager, 'analysis_versions', versionId, 'worker-a', 60_000, 3))!;
  const version = (await db.submissions.find(versionId))!;
  await db.submissionStates.checked({
    claim,
    version,
    passed: true,
    imageId: 'sha256:image',
    imageKey: 'images/x.tar',
    report: REPORT,
    violations: [],
    actor: 'worker:a',
  });
  return { versionId };
}

describe('the checks’ verdict', () => {
  it('is written by the worker holding the check, and by no worker fenced out of it', async () => {
    const { versionId } = await submittedVersion();
    const stale = (await claimJob(db.dataSource.manager, 'analysis_versions', versionId, 'worker-stale', 60_000, 3))!;
    await db.dataSource.query(`UPDATE analysis_versions SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [versionId]);
    const current = (await claimJob(db.dataSource.manager, 'analysis_versions', versionId, 'worker-current', 60_000, 3))!;
    const version = (await db.submissions.find(versionId))!;
    const verdict = { version, passed: true, imageId: 'sha256:image', imageKey: 'images/x.tar', report: REPORT, violations: [], actor: 'worker:x' };

    expect(await db.submissionStates.checked({ ...verdict, claim: stale })).toBe(false);
    expect(await recordsOf(versionId)).toEqual({ events: [], notifications: 0, audits: [] });
    expect(await db.submissionStates.checked({ ...verdict, claim: current })).not.toBe(false);
    expect(await recordsOf(versionId)).toEqual({ events: ['submission.awaiting_review'], notifications: 1, audits: ['submission.checked'] });
    expect((await db.submissions.find(versionId))!.status).toBe('awaiting_review');
  });
});

describe('the review', () => {
  it('is decided by exactly one of several admins deciding at once', async () => {
    const { versionId } = await checkedVersion();
    const read = (await db.submissions.find(versionId))!;
    const [admin] = (await db.dataSource.query(`INSERT INTO users (email, password_hash, role) VALUES ($1, 'x', 'admin') RETURNING id`, [
      `admin-${Math.random().toString(36).slice(2)}@test.local`,
    ])) as Array<{ id: string }>;
    const decisions = (['approve', 'reject', 'approve', 'reject'] as const).map((decision) =>
      db.dataSource.transaction((manager) => db.submissionStates.reviewed(manager, { adminId: admin!.id, version: read, decision, reason: null })),
    );
    const decided = (await Promise.all(decisions)).filter((recorded) => recorded !== false);
    expect(decided).toHaveLength(1);
    const records = await recordsOf(versionId);
    expect(records.events.filter((type) => type === 'submission.published' || type === 'submission.rejected')).toHaveLength(1);
    expect(records.notifications).toBe(2); // the checks' and the review's
    expect(records.audits.filter((action) => action === 'submission.approved' || action === 'submission.rejected')).toHaveLength(1);
  });
});
