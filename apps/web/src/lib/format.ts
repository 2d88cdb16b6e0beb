// Numbers, sizes and times as people read them.

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  if (hours > 0) return `${hours} h ${minutes % 60} min`;
  if (minutes > 0) return `${minutes} min ${seconds % 60} s`;
  return `${seconds} s`;
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatNumber(value: number): string {
  return Number.isFinite(value) ? value.toLocaleString(undefined, { maximumFractionDigits: 2 }) : String(value);
}

const STATUS_WORDS: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  timed_out: 'Timed out',
  cancelled: 'Cancelled',
  uploaded: 'Uploaded, waiting to be read',
  ingesting: 'Being read',
  ready: 'Ready',
};

export function statusWords(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

const REASON_WORDS: Record<string, string> = {
  exit_code: 'the analysis stopped with an error',
  oom: 'the analysis ran out of memory',
  output_invalid: 'the analysis wrote a result Lockbox could not accept',
  output_limit: 'the analysis wrote more than it is allowed to',
  log_limit: 'the analysis wrote too many logs',
  image_unavailable: "the analysis' image could not be loaded",
  deadline: 'the analysis took longer than its time limit',
  by_user: 'you cancelled it',
  analysis_suspended: 'the analysis was suspended by Lockbox',
  attempts_exhausted: 'it kept failing on our side, so we stopped trying',
};

export function reasonWords(reason: string | null): string | undefined {
  return reason === null ? undefined : (REASON_WORDS[reason] ?? reason);
}
