// lockbox status: where a submission stands, the check report with the reason of any failure, or the list of one's submissions.
import { LockboxClient, type SubmissionView } from '../../client';
import { toCliError } from '../api-error';
import type { CliIo } from '../cli-io';
import type { Command } from '../command';
import { loadCredentials } from '../credentials';
import { formatBytes } from '../image-build';

/** Statuses in which the automated checks have not finished yet. */
export const CHECKING_STATUSES: readonly string[] = ['submitted', 'checking'];
/** Final statuses a developer must act on: `status` exits 1 for them. */
export const FAILED_STATUSES: readonly string[] = ['check_failed', 'rejected', 'suspended'];
const WATCH_POLL_MS = 1000;

interface CheckReportView {
  passed?: boolean;
  checkedAt?: string;
  imageId?: string;
  /** The tarball layout intake found: docker-save, docker-archive-links or oci-layout. */
  layout?: string;
  imageBytes?: number;
  decompressedBytes?: number;
  layers?: number;
  steps?: { name: string; outcome: string; message?: string }[];
  violations?: { rule: string; message: string }[];
  notes?: string[];
  [key: string]: unknown;
}

const SHOWN_ELSEWHERE = new Set([
  'passed',
  'checkedAt',
  'imageId',
  'imageBytes',
  'decompressedBytes',
  'layers',
  'steps',
  'violations',
  'notes',
  'layout',
  'smokeRun',
]);

/** What the checks' run of the image on synthetic data showed. */
interface SmokeRunView {
  status?: string;
  reason?: string;
  message?: string;
  runtime?: string;
  containerMs?: number;
  peakMemoryBytes?: number | null;
  outputBytes?: number;
  records?: Record<string, number>;
  logTail?: string;
}

function describeSmokeRun(smoke: SmokeRunView): string[] {
  const facts = [
    smoke.containerMs !== undefined ? `${(smoke.containerMs / 1000).toFixed(1)} s` : undefined,
    smoke.runtime ? `runtime ${smoke.runtime}` : undefined,
    typeof smoke.peakMemoryBytes === 'number' ? `peak memory ${formatBytes(smoke.peakMemoryBytes)}` : undefined,
    smoke.outputBytes !== undefined ? `output ${formatBytes(smoke.outputBytes)}` : undefined,
    smoke.records
      ? `on ${Object.entries(smoke.records)
          .map(([kind, count]) => `${count} ${kind}`)
          .join(', ')}`
      : undefined,
  ].filter(Boolean);
  const lines = [`  smoke run:  ${smoke.status ?? '?'}${smoke.reason ? ` (${smoke.reason})` : ''}${facts.length ? `, ${facts.join(', ')}` : ''}`];
  if (smoke.status !== 'succeeded' && smoke.message) lines.push(`              ${smoke.message}`);
  if (smoke.logTail)
    lines.push(
      '  smoke run logs (end):',
      ...smoke.logTail
        .trimEnd()
        .split('\n')
        .map((line) => `    ${line}`),
    );
  return lines;
}

/** The submission and its check report, for a person. */
export function describeSubmission(submission: SubmissionView): string {
  const lines = [`${submission.analysis ?? '?'} ${submission.version ?? '?'}  ${submission.status}  (submission ${submission.id})`];
  const report = (submission.checkReport ?? undefined) as CheckReportView | undefined;
  if (submission.imageId) lines.push(`  image:      ${submission.imageId}`);
  if (report) {
    const size = [
      report.imageBytes !== undefined ? `${formatBytes(report.imageBytes)} uploaded` : undefined,
      report.decompressedBytes !== undefined ? `${formatBytes(report.decompressedBytes)} unpacked` : undefined,
      report.layers !== undefined ? `${report.layers} layers` : undefined,
    ].filter(Boolean);
    if (size.length) lines.push(`  size:       ${size.join(', ')}`);
    if (report.layout) lines.push(`  layout:     ${report.layout}`);
    if (report.steps?.length) {
      lines.push('  checks:');
      for (const step of report.steps) lines.push(`    ${step.outcome.padEnd(7)} ${step.name}${step.message ? `: ${step.message}` : ''}`);
    }
    if (report.smokeRun && typeof report.smokeRun === 'object') lines.push(...describeSmokeRun(report.smokeRun as SmokeRunView));
    // Whatever else the checks measured (a smoke run's duration, memory, output size…), as they named it.
    for (const [key, value] of Object.entries(report)) {
      if (SHOWN_ELSEWHERE.has(key) || value === null || value === undefined) continue;
      lines.push(`  ${`${key}:`.padEnd(11)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
    for (const violation of report.violations ?? []) lines.push(`  FAILED ${violation.rule}: ${violation.message}`);
    for (const note of report.notes ?? []) lines.push(`  note: ${note}`);
  }
  if (submission.reviewReason) lines.push(`  review:     ${submission.reviewReason}`);
  if (CHECKING_STATUSES.includes(submission.status)) lines.push('  the automated checks are running');
  else if (submission.status === 'awaiting_review') lines.push('  the checks passed; an admin reviews it next');
  return `${lines.join('\n')}\n`;
}

/** Follows a submission until its checks end; prints each change and then the report. */
export async function watchSubmission(client: LockboxClient, id: string, io: CliIo): Promise<number> {
  let last = '';
  for (;;) {
    const submission = await client.request<SubmissionView>('GET', `/submissions/${encodeURIComponent(id)}`).catch((error: unknown) => {
      throw toCliError(error, client.baseUrl);
    });
    const steps = ((submission.checkReport as CheckReportView | null)?.steps ?? []).map((step) => `${step.name} ${step.outcome}`).join(', ');
    const progress = `${submission.status}${steps ? ` (${steps})` : ''}`;
    if (progress !== last) io.err(`${new Date().toISOString().slice(11, 19)} ${progress}\n`);
    last = progress;
    if (!CHECKING_STATUSES.includes(submission.status)) {
      io.out(describeSubmission(submission));
      return FAILED_STATUSES.includes(submission.status) ? 1 : 0;
    }
    await new Promise((resolve) => setTimeout(resolve, WATCH_POLL_MS));
  }
}

export const statusCommand: Command = {
  name: 'status',
  brief: 'show check progress and the check report',
  synopsis: '[submission]',
  summary: 'Shows a submission: its status, check progress and the check report with the reason of any failure. Without an ID, lists your submissions.',
  details: 'Exits 1 when the submission ended check_failed, rejected or suspended.',
  options: {
    watch: { type: 'boolean', short: 'w', description: 'follow the checks until they end' },
  },
  minPositionals: 0,
  maxPositionals: 1,
  async run(args, io) {
    const credentials = await loadCredentials(io.env);
    const client = new LockboxClient(credentials.url, credentials.token);
    const id = args.positionals[0];
    if (id === undefined) {
      const page = await client.request<{ items: SubmissionView[]; total: number }>('GET', '/submissions?limit=100').catch((error: unknown) => {
        throw toCliError(error, credentials.url);
      });
      if (page.items.length === 0) io.err('no submissions yet: lockbox submit sends one\n');
      for (const item of page.items) io.out(`${item.id}  ${`${item.analysis} ${item.version}`.padEnd(32)}  ${item.status}\n`);
      return 0;
    }
    if (args.values.watch) return watchSubmission(client, id, io);
    const submission = await client.request<SubmissionView>('GET', `/submissions/${encodeURIComponent(id)}`).catch((error: unknown) => {
      throw toCliError(error, credentials.url);
    });
    io.out(describeSubmission(submission));
    return FAILED_STATUSES.includes(submission.status) ? 1 : 0;
  },
};
