import type { SandboxOutcome } from '@lockbox/analysis-sdk/sandbox';
import type { RunVerdict } from '@lockbox/db';

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
