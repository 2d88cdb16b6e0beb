import { DataSource, type DataSourceOptions } from 'typeorm';
import { Analysis } from './entities/analysis.entity';
import { AnalysisVersion } from './entities/analysis-version.entity';
import { ApiToken } from './entities/api-token.entity';
import { AuditEvent } from './entities/audit-event.entity';
import { ConsentReceipt } from './entities/consent-receipt.entity';
import { Dataset } from './entities/dataset.entity';
import { Notification } from './entities/notification.entity';
import { OutboxMessage } from './entities/outbox-message.entity';
import { PlatformEvent } from './entities/platform-event.entity';
import { Run } from './entities/run.entity';
import { User } from './entities/user.entity';
import { WorkerHeartbeat } from './entities/worker-heartbeat.entity';
import { Accounts1763800000000 } from './migrations/1763800000000-accounts';
import { VerticalSlice1763900000000 } from './migrations/1763900000000-vertical-slice';
import { SubmissionReview1764000000002 } from './migrations/1764000000002-submission-review';
import { VersionSuspension1764000000020 } from './migrations/1764000000020-version-suspension';
import { RunArtifacts1764100000000 } from './migrations/1764100000000-run-artifacts';
import { JobAttemptCap1764200000000 } from './migrations/1764200000000-job-attempt-cap';
import { QuotaIndexes1764300000000 } from './migrations/1764300000000-quota-indexes';
import { SessionEpoch1764400000000 } from './migrations/1764400000000-session-epoch';
import { PublishedWeekFigures1764500000000 } from './migrations/1764500000000-published-week-figures';
import { OutboxCorrelation1764700000000 } from './migrations/1764700000000-outbox-correlation';
import { ExportIngest1764800000000 } from './migrations/1764800000000-export-ingest';

import { BrowserSessions1764900000000 } from './migrations/1764900000000-browser-sessions';
import { QueryLogger } from './query-logger';

export const ENTITIES = [
  User,
  ApiToken,
  WorkerHeartbeat,
  OutboxMessage,
  Dataset,
  Analysis,
  AnalysisVersion,
  Run,
  ConsentReceipt,
  PlatformEvent,
  Notification,
  AuditEvent,
];
// One per line, in timestamp order, so that branches adding migrations merge cleanly.
export const MIGRATIONS = [
  Accounts1763800000000,
  VerticalSlice1763900000000,
  SubmissionReview1764000000002,
  VersionSuspension1764000000020,
  RunArtifacts1764100000000,
  JobAttemptCap1764200000000,
  QuotaIndexes1764300000000,
  SessionEpoch1764400000000,
  PublishedWeekFigures1764500000000,
  OutboxCorrelation1764700000000,
  ExportIngest1764800000000,

  BrowserSessions1764900000000,
];

/** Any fixed number works; every process that migrates takes the same lock. */
const MIGRATION_LOCK_KEY = 7_134_251;

export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    // Never TypeORM's own: it prints a failed query's parameters, which hold people's data.
    logger: new QueryLogger(),
    extra: {
      // Fail fast when PostgreSQL is away, so callers can answer 503 instead of hanging.
      connectionTimeoutMillis: 5000,
      max: 10,
    },
  };
}

/**
 * Applies pending migrations. Several API instances may start at once, so migrations run under a
 * PostgreSQL advisory lock: the first applies them, the others wait and then find nothing to do.
 */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(databaseUrl));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}

/**
 * A connection for the length of `work`, for the command-line processes (admin, launcher) that have no
 * Nest container: they hand it to a repository or a service and never query it themselves.
 */
export async function withDataSource<T>(databaseUrl: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
