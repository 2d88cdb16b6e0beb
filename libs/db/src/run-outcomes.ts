import type { RecordedEventType } from '@lockbox/events';
import type { RunReason, RunStatus } from './entities/run.entity';

// How a run ends, in the words of the one writer of a terminal state (RunTerminalWriter), whoever ends
// it: the worker that ran it (or found its attempts exhausted), the user cancelling a queued run, a
// suspension cancelling the version's queued runs, and the sweep of runs whose worker stopped answering.

export type TerminalRunStatus = Exclude<RunStatus, 'queued' | 'running'>;

/** How a run ended, in the platform's one vocabulary (ARCHITECTURE §3). */
export interface RunVerdict {
  status: TerminalRunStatus;
  reason: RunReason | null;
  /** A sentence for people: the result summary, or why it did not succeed. */
  message: string;
}

/** The event of each terminal status; the notification shares its dedupe key, so a run notifies once. */
export const RUN_FINISHED_EVENT = {
  succeeded: 'run.succeeded',
  failed: 'run.failed',
  timed_out: 'run.timed_out',
  cancelled: 'run.cancelled',
} as const satisfies Record<TerminalRunStatus, RecordedEventType>;

/** One key for whichever terminal event a run gets: whoever writes second records nothing. */
export function runFinishedDedupeKey(runId: string): string {
  return `run:${runId}:finished`;
}

/** What the user is told: a title naming the analysis, and the summary or the reason as the body. */
/** What follows the analysis' title in the title of a finished run's notification. */
export const RUN_NOTIFICATION_TITLE_AFTER: Record<TerminalRunStatus, string> = {
  succeeded: ' is ready',
  failed: ' failed',
  timed_out: ' ran out of time',
  cancelled: ' was cancelled',
};

export function notificationFor(analysisTitle: string, verdict: RunVerdict): { title: string; body: string } {
  return { title: `${analysisTitle}${RUN_NOTIFICATION_TITLE_AFTER[verdict.status]}`, body: verdict.message };
}

/**
 * The verdict of a run whose attempts kept killing or stalling their worker until `lostAttempts` (the cap)
 * were lost. A cancel the user asked for, or a suspension meanwhile, still says so: the run never finished.
 */
export function exhaustedRunVerdict(run: { cancelRequested: boolean; versionSuspended: boolean; lostAttempts: number }): RunVerdict {
  if (run.cancelRequested) return { status: 'cancelled', reason: 'by_user', message: 'You cancelled the run.' };
  if (run.versionSuspended) return { status: 'cancelled', reason: 'analysis_suspended', message: 'The analysis was suspended, so it did not run.' };
  return {
    status: 'failed',
    reason: 'attempts_exhausted',
    message: `The run was tried ${run.lostAttempts} times and each attempt stopped the worker running it (a crash or a stall), so it was not tried again.`,
  };
}
