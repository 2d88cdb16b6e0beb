import { AnalysesRepository } from './analyses.repository';
import { AnalysisStatsRepository } from './analysis-stats.repository';
import { AuditRepository } from './audit.repository';
import { BrowserSessionsRepository } from './browser-sessions.repository';
import { DatasetStateWriter } from './dataset-state.writer';
import { DatasetsRepository } from './datasets.repository';
import { JobsRepository } from './jobs.repository';
import { NotificationsRepository } from './notifications.repository';
import { OutboxRepository } from './outbox.repository';
import { PlatformEventsRepository } from './platform-events.repository';
import { RecordKeysRepository } from './record-keys.repository';
import { RunTerminalWriter } from './run-terminal.writer';
import { RunsRepository } from './runs.repository';
import { SubmissionStateWriter } from './submission-state.writer';
import { SubmissionsRepository } from './submissions.repository';
import { TransactionRunner } from './transaction-runner';
import { UsersRepository } from './users.repository';
import { WorkersRepository } from './workers.repository';

/** Every repository DatabaseModule provides: the only classes outside libs/ that write SQL go here. */
export const REPOSITORIES = [
  AnalysesRepository,
  AnalysisStatsRepository,
  AuditRepository,
  BrowserSessionsRepository,
  DatasetsRepository,
  DatasetStateWriter,
  JobsRepository,
  NotificationsRepository,
  OutboxRepository,
  PlatformEventsRepository,
  RecordKeysRepository,
  RunsRepository,
  RunTerminalWriter,
  SubmissionStateWriter,
  SubmissionsRepository,
  TransactionRunner,
  UsersRepository,
  WorkersRepository,
];
