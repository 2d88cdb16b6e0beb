import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { Manifest } from '@lockbox/analysis-sdk';
import { type LockboxClient, LockboxApiError, type SubmissionView } from '@lockbox/analysis-sdk/client';

const run = promisify(execFile);

export interface SampleAnalysis {
  directory: string;
  manifest: Manifest;
}

/** The sample analyses shipped in sample-analyses/: each a directory with lockbox.json and build.sh. */
export function findSampleAnalyses(repoRoot: string): SampleAnalysis[] {
  const root = join(repoRoot, 'sample-analyses');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'lockbox.json')) && existsSync(join(root, entry.name, 'build.sh')))
    .map((entry) => ({
      directory: join(root, entry.name),
      manifest: JSON.parse(readFileSync(join(root, entry.name, 'lockbox.json'), 'utf8')) as Manifest,
    }));
}

/** Builds a sample's image offline with its build.sh (which prints the image ID last) and saves it as a tarball. */
export async function buildSampleTarball(docker: Docker, sample: SampleAnalysis, outputDir: string): Promise<string> {
  const { stdout } = await run('bash', [join(sample.directory, 'build.sh')], { maxBuffer: 16 * 1024 * 1024 });
  const imageId = stdout.trim().split('\n').pop() ?? '';
  if (!/^sha256:[0-9a-f]{64}$/.test(imageId)) throw new Error(`${sample.manifest.name}: build.sh printed no image ID`);
  mkdirSync(outputDir, { recursive: true });
  const tarball = join(outputDir, `${sample.manifest.name}-${sample.manifest.version}.tar`);
  await pipeline(await docker.getImage(imageId).get(), createWriteStream(tarball));
  return tarball;
}

/**
 * Publishes one version of an analysis through the real path: the developer submits, the automated
 * checks run on a worker, the admin approves. Picks up where an interrupted earlier attempt stopped.
 */
export async function publishSample(
  docker: Docker,
  developer: LockboxClient,
  admin: LockboxClient,
  sample: SampleAnalysis,
  workDir: string,
): Promise<'published' | 'already published'> {
  const { manifest } = sample;
  if (await isPublished(admin, manifest)) return 'already published';
  let submission = await findOwnSubmission(developer, manifest);
  if (!submission) submission = await developer.submit(await buildSampleTarball(docker, sample, workDir), manifest);
  await approveWhenChecked(developer, admin, submission.id, `${manifest.name}@${manifest.version}`);
  return 'published';
}

/** Waits for the automated checks of a submission, then approves it as the admin. */
export async function approveWhenChecked(developer: LockboxClient, admin: LockboxClient, submissionId: string, label: string): Promise<SubmissionView> {
  const checked = await developer.waitFor<SubmissionView>(
    `/submissions/${submissionId}`,
    (submission) => !['submitted', 'checking'].includes(submission.status),
    300_000,
    `the checks of ${label}`,
  );
  if (checked.status === 'published') return checked;
  if (checked.status !== 'awaiting_review') {
    throw new Error(`${label} did not pass its checks (${checked.status}): ${JSON.stringify(checked.checkReport)}`);
  }
  return admin.request<SubmissionView>('POST', `/submissions/${submissionId}/approve`, { reason: 'sample analysis shipped with Lockbox' });
}

async function findOwnSubmission(developer: LockboxClient, manifest: Manifest): Promise<SubmissionView | undefined> {
  const { items } = await developer.request<{ items: SubmissionView[] }>('GET', '/submissions?limit=100');
  return items.find((submission) => submission.analysis === manifest.name && submission.version === manifest.version);
}

/** Whether this exact version is already in the published catalogue. */
async function isPublished(client: LockboxClient, manifest: Manifest): Promise<boolean> {
  try {
    const analysis = await client.request<{ versions?: Array<{ version: string }> }>('GET', `/analyses/${manifest.name}`);
    return (analysis.versions ?? []).some((version) => version.version === manifest.version);
  } catch (error) {
    if (error instanceof LockboxApiError && error.statusCode === 404) return false;
    throw error;
  }
}
