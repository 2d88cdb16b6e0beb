// Test analyses, built and published the way a developer and an admin would: an image built offline
// FROM a local base image, saved with `docker save`, submitted through the public API, checked by the
// worker and approved by the admin. End-to-end suites share these helpers.
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Manifest } from '@lockbox/analysis-sdk';
import { TEST_SESSION_LABEL } from './global-setup';
import { api, createSession, eventually, type Session, upload } from './session';

const run = promisify(execFile);

/** `lockbox/busybox:1` (a shell and coreutils, ~2 MB) or `lockbox/node-base:24` (node, ~100 MB). */
export type TestImageBase = 'busybox' | 'node';

const BASE_IMAGES: Record<TestImageBase, string> = {
  busybox: 'lockbox/busybox:1',
  node: 'lockbox/node-base:24',
};

export interface BuiltTestImage {
  /** `sha256:…` of the image config: what approval binds to and runs refer to. */
  imageId: string;
  /** `docker save` output of the image, by ID (no tags). */
  tarball: Buffer;
}

/**
 * Builds an analysis image offline with the classic builder and saves it. `files` are written under
 * /app (world-readable). Every build carries a unique label, so its image ID is its own.
 */
export async function buildTestAnalysisImage(base: TestImageBase, files: Record<string, string> = {}): Promise<BuiltTestImage> {
  const context = await mkdtemp(join(tmpdir(), 'lockbox-test-image-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      const target = join(context, 'app', path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
      await chmod(target, 0o644);
    }
    await mkdir(join(context, 'app'), { recursive: true });
    const labels = [`lockbox.test.build="${randomUUID()}"`, `${TEST_SESSION_LABEL}="${process.env.LOCKBOX_TEST_SESSION ?? 'none'}"`];
    await writeFile(join(context, 'Dockerfile'), [`FROM ${BASE_IMAGES[base]}`, 'COPY app/ /app/', `LABEL ${labels.join(' ')}`, ''].join('\n'));
    const { stdout } = await run('docker', ['build', '--quiet', context], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    const imageId = stdout.trim();
    if (!/^sha256:[a-f0-9]{64}$/.test(imageId)) throw new Error(`docker build printed no image ID: ${stdout}`);
    const tarballPath = join(context, 'image.tar');
    await run('docker', ['save', '--output', tarballPath, imageId]);
    return { imageId, tarball: await readFile(tarballPath) };
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/** Removes a test image from the local engine, so a worker has to load it from S3 (no error if absent). */
export async function removeLocalImage(imageId: string): Promise<void> {
  await run('docker', ['image', 'rm', '--force', imageId]).catch(() => undefined);
}

/** A valid manifest with a unique name; `overrides` replace whole top-level fields. */
export function testManifest(overrides: Partial<Manifest> & Pick<Manifest, 'entrypoint'>): Manifest {
  const name = overrides.name ?? `test-${randomUUID().slice(0, 12)}`;
  return {
    name,
    version: '1.0.0',
    title: `Test analysis ${name}`,
    description: 'An analysis built by the test suite',
    category: 'other',
    price: 0,
    scopes: { 'social.posts': ['timestamp', 'likes'] },
    params: { type: 'object', properties: {} },
    resources: { memory: '128m', cpu: 0.5, timeout: 60, output: '1m' },
    ...overrides,
  };
}

/** POST /submissions as the developer: manifest first, then the image. Returns the raw response. */
export async function submitAnalysis(developer: Session, manifest: Manifest, tarball: Buffer): Promise<{ status: number; body: any }> {
  return upload(
    '/submissions',
    [
      { name: 'manifest', content: JSON.stringify(manifest) },
      { name: 'image', content: tarball, filename: 'image.tar', contentType: 'application/x-tar' },
    ],
    { token: developer.token },
  );
}

/** Waits for the automated checks; fails with the check report unless the submission awaits review. */
export async function waitForSubmissionChecks(developer: Session, submissionId: string, timeoutMs = 90_000): Promise<any> {
  const checked = await eventually(
    async () => {
      const response = await api('GET', `/submissions/${submissionId}`, { token: developer.token });
      if (response.status !== 200) throw new Error(`GET /submissions/${submissionId}: ${response.status} ${JSON.stringify(response.body)}`);
      return ['submitted', 'checking'].includes(response.body.status) ? undefined : response.body;
    },
    timeoutMs,
    `the checks of submission ${submissionId}`,
  );
  if (checked.status !== 'awaiting_review') throw new Error(`submission ${submissionId} is ${checked.status}: ${JSON.stringify(checked.checkReport)}`);
  return checked;
}

export async function approveSubmission(admin: Session, submissionId: string): Promise<any> {
  const response = await api('POST', `/submissions/${submissionId}/approve`, { token: admin.token, body: {} });
  if (response.status !== 200 || response.body.status !== 'published') {
    throw new Error(`approving submission ${submissionId} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

export interface PublishedTestAnalysis {
  slug: string;
  version: string;
  title: string;
  imageId: string;
  submissionId: string;
  manifest: Manifest;
  developer: Session;
}

export interface TestAnalysisSpec {
  base: TestImageBase;
  /** Files under /app, e.g. `{ 'main.sh': '…' }`. */
  files?: Record<string, string>;
  /** The manifest fields to set; `entrypoint` at least. */
  manifest: Partial<Manifest> & Pick<Manifest, 'entrypoint'>;
  /** Reuse an image already built (several analyses may share one). */
  image?: BuiltTestImage;
  developer?: Session;
}

/**
 * The smoke run of the automated checks looks like any run from inside the container, except that its
 * params are the schema's defaults. A busybox test analysis therefore gets one more optional param whose
 * default is true, and an entrypoint wrapper that, when it sees that param, passes the smoke run with a
 * minimal valid result, and otherwise does exactly what it was built to do. Run tests need published
 * analyses that crash, hang or write nothing: an analysis that behaves under review and misbehaves for
 * users, which the run sandbox must handle anyway.
 */
const REVIEW_PARAM = 'lockboxTestUnderReview';

export function passingSmokeRun(manifest: Partial<Manifest> & Pick<Manifest, 'entrypoint'>): Partial<Manifest> & Pick<Manifest, 'entrypoint'> {
  const smoke = `if grep -q '"${REVIEW_PARAM}":true' /input/run.json; then echo '{"schemaVersion":1,"summary":"Smoke run","blocks":[]}' > /output/result.json; exit 0; fi; exec "$@"`;
  const params = manifest.params ?? { type: 'object', properties: {} };
  return {
    ...manifest,
    entrypoint: ['/bin/sh', '-c', smoke, 'sh', ...manifest.entrypoint],
    params: { ...params, properties: { ...(params.properties as object | undefined), [REVIEW_PARAM]: { type: 'boolean', default: true } } },
  };
}

/** Builds (unless given an image), submits, waits for the checks and approves: a published analysis. */
export async function publishTestAnalysis(spec: TestAnalysisSpec): Promise<PublishedTestAnalysis> {
  const developer = spec.developer ?? (await createSession('developer'));
  const admin = await createSession('admin');
  const image = spec.image ?? (await buildTestAnalysisImage(spec.base, spec.files));
  const manifest = testManifest(spec.base === 'busybox' ? passingSmokeRun(spec.manifest) : spec.manifest);
  const submitted = await submitAnalysis(developer, manifest, image.tarball);
  if (submitted.status !== 202) throw new Error(`submitting ${manifest.name} failed: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  const checked = await waitForSubmissionChecks(developer, submitted.body.id);
  if (checked.imageId !== image.imageId) throw new Error(`the checks found image ${checked.imageId}, but ${image.imageId} was built`);
  await approveSubmission(admin, submitted.body.id);
  return {
    slug: manifest.name,
    version: manifest.version,
    title: manifest.title,
    imageId: image.imageId,
    submissionId: submitted.body.id,
    manifest,
    developer,
  };
}
