// Words for a submission's life (apps/api/src/submissions) and what the pages do with it.

const SUBMISSION_STATUS_WORDS: Readonly<Record<string, string>> = {
  submitted: 'Submitted, waiting for the checks',
  checking: 'Being checked',
  awaiting_review: 'Checks passed, waiting for review',
  published: 'Published',
  rejected: 'Rejected',
  check_failed: 'Failed the checks',
  suspended: 'Suspended',
};

export function submissionStatusWords(status: string): string {
  return SUBMISSION_STATUS_WORDS[status] ?? status;
}

/** The checks are still to end: the page follows them (live events, and a poll while they run). */
export function checksRunning(status: string): boolean {
  return status === 'submitted' || status === 'checking';
}

/** Statuses an admin may list, the review queue first. */
export const REVIEW_FILTERS: readonly { status: string; label: string }[] = [
  { status: 'awaiting_review', label: 'Waiting for review' },
  { status: 'checking', label: 'Being checked' },
  { status: 'published', label: 'Published' },
  { status: 'rejected', label: 'Rejected' },
  { status: 'check_failed', label: 'Failed the checks' },
  { status: 'suspended', label: 'Suspended' },
  { status: '', label: 'All' },
];

/** Live events that change a submission's page or list. */
export function isSubmissionEvent(type: string): boolean {
  return type.startsWith('submission.') || type === 'analysis.suspended';
}
