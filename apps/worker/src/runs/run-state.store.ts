import { Injectable } from '@nestjs/common';
import {
  type AnalysisVersionStatus,
  type ClaimedRun,
  type DataAccess,
  type JobClaim,
  type QuarantineCause,
  type RunOutputs,
  RunsRepository,
  RunTerminalWriter,
  type RunVerdict,
} from '@lockbox/db';
import type { RecordedEvent } from '@lockbox/events';
import type { CuratedDataset } from '@lockbox/storage';

export type { ClaimedRun, DataAccess } from '@lockbox/db';

/** Where the run's stored output went, and what the run used (for the audit trail). */
export interface RunFinish extends RunOutputs {
  verdict: RunVerdict;
  /** Set when the run ran out of attempts: its version is flagged for the admins in the same transaction. */
  quarantine?: QuarantineCause;
}

/**
 * The run row as its worker sees it: every write is fenced by the claim (RunsRepository), and the end
 * goes through the platform's one writer of a run's terminal state (RunTerminalWriter).
 */
@Injectable()
export class RunStateStore {
  constructor(
    private readonly runs: RunsRepository,
    private readonly terminal: RunTerminalWriter,
  ) {}

  async load(runId: string): Promise<ClaimedRun> {
    return this.runs.loadClaimed(runId);
  }

  /** The run's datasets that still exist and belong to its owner, in the run's order. */
  async datasets(run: ClaimedRun): Promise<CuratedDataset[]> {
    return this.runs.datasetsOfRun(run);
  }

  /** Marks this attempt's start. False when the claim no longer holds. */
  async markStarted(claim: JobClaim, run: ClaimedRun): Promise<{ held: boolean; recorded: RecordedEvent }> {
    return this.runs.markStarted(claim, run);
  }

  async recordProgress(claim: JobClaim, progress: number, message: string): Promise<void> {
    await this.runs.recordProgress(claim, progress, message);
  }

  async cancelRequested(runId: string): Promise<boolean> {
    return this.runs.isCancelRequested(runId);
  }

  async versionStatus(run: ClaimedRun): Promise<AnalysisVersionStatus | undefined> {
    return this.runs.versionStatus(run.version.id);
  }

  /** The audit row of the attempt's access to the user's data; false (nothing written) when the claim no longer holds. */
  async recordDataAccess(claim: JobClaim, run: ClaimedRun, access: DataAccess): Promise<boolean> {
    return this.runs.recordDataAccess(claim, run, access);
  }

  /** The terminal state, fenced by the claim; undefined, having written nothing, when the claim no longer holds. */
  async finish(claim: JobClaim, run: ClaimedRun, { verdict, quarantine, ...outputs }: RunFinish): Promise<{ recorded: RecordedEvent } | undefined> {
    const ended = await this.terminal.end({ runId: run.id, verdict, endedBy: { by: 'worker', claim }, outputs, quarantine });
    return ended && { recorded: ended.recorded };
  }
}
