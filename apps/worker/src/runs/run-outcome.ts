import type { SandboxOutcome } from '@lockbox/analysis-sdk/sandbox';
import type { RunReason, RunStatus } from '@lockbox/db';

export type TerminalRunStatus = Exclude<RunStatus, 'queued' | 'running'>;

/** How a run ended, in the platform's one vocabulary (ARCHITECTURE §3). */
export interface RunVerdict {
  status: TerminalRunStatus;
  reason: RunReason | null;
  /** A sentence for people: the result summary, or why it did not succeed. */
  message: string;
}

/** The event of each terminal status; the notification shares its dedupe key, so a run notifies once. */
export const RUN_FINISHED_EVENT: Record<TerminalRunStatus, string> = {
  succeeded: 'run.succeeded',
  failed: 'run.failed',
  timed_out: 'run.timed_out',
  cancelled: 'run.cancelled',
};

export function runFinishedDedupeKey(runId: string): string {
  return `run:${runId}:finished`;
}

/** "the analysis exited with code 1" → "The analysis exited with code 1." */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capitalised = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** The verdict of a container that ran to its end (or was stopped by the runner for a limit). */
export function verdictOf(outcome: SandboxOutcome): RunVerdict {
  if (outcome.status === 'succeeded') {
    return { status: 'succeeded', reason: null, message: outcome.result?.summary ?? 'The analysis finished.' };
  }
  return { status: outcome.status, reason: outcome.reason ?? (outcome.status === 'timed_out' ? 'deadline' : 'exit_code'), message: sentence(outcome.message) };
}

/** What the user is told: a title naming the analysis, and the summary or the reason as the body. */
export function notificationFor(analysisTitle: string, verdict: RunVerdict): { title: string; body: string } {
  const titles: Record<TerminalRunStatus, string> = {
    succeeded: `${analysisTitle} is ready`,
    failed: `${analysisTitle} failed`,
    timed_out: `${analysisTitle} ran out of time`,
    cancelled: `${analysisTitle} was cancelled`,
  };
  return { title: titles[verdict.status], body: verdict.message };
}
