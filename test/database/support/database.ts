// A suite's own database, cloned from the template the project's global setup migrated, with the
// repositories built on it and a few seeding helpers. Dropped when the suite ends.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  AuditRepository,
  claimJob,
  dataSourceOptions,
  DatasetsRepository,
  DatasetStateWriter,
  type JobClaim,
  OutboxRepository,
  PlatformEventsRepository,
  RecordKeysRepository,
  RunsRepository,
  RunTerminalWriter,
  SubmissionStateWriter,
  SubmissionsRepository,
} from '@lockbox/db';

export interface TestDatabase {
  name: string;
  dataSource: DataSource;
  events: PlatformEventsRepository;
  audit: AuditRepository;
  outbox: OutboxRepository;
  runs: RunsRepository;
  terminal: RunTerminalWriter;
  submissions: SubmissionsRepository;
  submissionStates: SubmissionStateWriter;
  datasets: DatasetsRepository;
  recordKeys: RecordKeysRepository;
  datasetStates: DatasetStateWriter;
  /** Drops the suite's database. */
  close(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.LOCKBOX_TEST_POSTGRES_URL;
  if (!url) throw new Error('LOCKBOX_TEST_POSTGRES_URL is not set: run the database project (jest --selectProjects database)');
  return url;
}

async function onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database cloned from the migrated template: every suite starts from the same empty schema. */
export async function freshDatabase(): Promise<TestDatabase> {
  const template = process.env.LOCKBOX_TEST_TEMPLATE_DATABASE ?? 'lockbox_template';
  const name = `suite_${randomUUID().replace(/-/g, '')}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const dataSource = new DataSource({ ...dataSourceOptions(url.toString()), extra: { max: 20 } });
  await dataSource.initialize();
  const events = new PlatformEventsRepository(dataSource);
  const audit = new AuditRepository(dataSource);
  const datasets = new DatasetsRepository(dataSource);
  const recordKeys = new RecordKeysRepository(dataSource);
  return {
    name,
    dataSource,
    events,
    audit,
    outbox: new OutboxRepository(dataSource),
    runs: new RunsRepository(dataSource, events, audit),
    terminal: new RunTerminalWriter(dataSource),
    submissions: new SubmissionsRepository(dataSource),
    submissionStates: new SubmissionStateWriter(dataSource, events, audit),
    datasets,
    recordKeys,
    datasetStates: new DatasetStateWriter(dataSource, datasets, recordKeys, events, audit),
    close: async () => {
      await dataSource.destroy();
      await onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export interface SeededVersion {
  userId: string;
  developerId: string;
  analysisId: string;
  versionId: string;
  slug: string;
  title: string;
}

/** A developer's published analysis (with a deadline of `timeoutSeconds`) and a user to run it. */
export async function seedPublishedVersion(db: TestDatabase, timeoutSeconds = 60): Promise<SeededVersion> {
  const suffix = randomUUID().slice(0, 8);
  const [developerRows, userRows] = (await Promise.all(
    ['developer', 'user'].map((role) =>
      db.dataSource.query(`INSERT INTO users (email, password_hash, role) VALUES ($1, 'x', $2) RETURNING id`, [`${role}-${suffix}@test.local`, role]),
    ),
  )) as Array<Array<{ id: string }>>;
  const developer = developerRows?.[0];
  const user = userRows?.[0];
  const slug = `analysis-${suffix}`;
  const title = `Analysis ${suffix}`;
  const [analysis] = (await db.dataSource.query(
    `INSERT INTO analyses (slug, owner_id, title, description, category) VALUES ($1, $2, $3, 'A test analysis', 'social') RETURNING id`,
    [slug, developer!.id, title],
  )) as Array<{ id: string }>;
  const manifest = { name: slug, title, version: '1.0.0', resources: { timeout: timeoutSeconds } };
  const [version] = (await db.dataSource.query(
    `INSERT INTO analysis_versions (analysis_id, version, status, manifest, submitted_by, upload_key, upload_bytes, upload_sha256,
                                    image_id, approved_image_id, published_at)
     VALUES ($1, '1.0.0', 'published', $2::jsonb, $3, 'uploads/x', 1, 'sha', 'sha256:image', 'sha256:image', now()) RETURNING id`,
    [analysis!.id, JSON.stringify(manifest), developer!.id],
  )) as Array<{ id: string }>;
  return { userId: user!.id, developerId: developer!.id, analysisId: analysis!.id, versionId: version!.id, slug, title };
}

/** A queued run of the version, with its consent receipt, as a run request writes it. */
export async function seedQueuedRun(db: TestDatabase, seeded: SeededVersion): Promise<string> {
  return db.dataSource.transaction((manager) =>
    db.runs.insertQueued(manager, { userId: seeded.userId, versionId: seeded.versionId, imageId: 'sha256:image', datasetIds: [], params: {}, scopes: {} }),
  );
}

/** Claims the run as `workerId` would (a lease of `leaseMs`, the default cap of three lost attempts). */
export async function claimRun(db: TestDatabase, runId: string, workerId: string, leaseMs = 60_000): Promise<JobClaim | undefined> {
  return claimJob(db.dataSource.manager, 'runs', runId, workerId, leaseMs, 3);
}

/** The rows a run's end leaves: its events and notifications (every writer must leave exactly one of each). */
export async function endRecords(
  db: TestDatabase,
  runId: string,
): Promise<{ events: Array<{ type: string; payload: Record<string, unknown> }>; notifications: Array<{ title: string; body: string }> }> {
  const events = (await db.dataSource.query(`SELECT type, payload FROM events WHERE subject_id = $1 AND type <> 'run.started' ORDER BY id`, [runId])) as Array<{
    type: string;
    payload: Record<string, unknown>;
  }>;
  const notifications = (await db.dataSource.query(`SELECT title, body FROM notifications WHERE subject_id = $1 ORDER BY id`, [runId])) as Array<{
    title: string;
    body: string;
  }>;
  return { events, notifications };
}

export async function runRow(db: TestDatabase, runId: string): Promise<Record<string, unknown>> {
  const [row] = (await db.dataSource.query(`SELECT * FROM runs WHERE id = $1`, [runId])) as Array<Record<string, unknown>>;
  if (!row) throw new Error(`no run ${runId}`);
  return row;
}
