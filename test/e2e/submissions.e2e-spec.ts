import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { DataSource } from 'typeorm';
import { loadConfig } from '@lockbox/config';
import { dataSourceOptions } from '@lockbox/db';
import { QueueRepository } from '@lockbox/queue';
import { dockerClientFor } from '@lockbox/sandbox';
import { ObjectStorageRepository } from '@lockbox/storage';
import { TEST_STACK_ENV } from '../support/global-setup';
import { api, apiUrl, createSession, eventually, type Session, upload } from '../support/session';

// The test builds its images in the same engine as the stack's worker; uploads are checked in S3 directly.
// PostgreSQL and SQS are used directly only to stage what a crashed worker leaves behind and to deliver duplicates.
const config = loadConfig();
const docker = dockerClientFor(process.env.DOCKER_HOST);
const storage = new ObjectStorageRepository(config.s3);
const dataSource = new DataSource(dataSourceOptions(config.database.url));
const queue = new QueueRepository(config.sqs);
const TARBALL_CAP = Number(TEST_STACK_ENV.LOCKBOX_IMAGE_TARBALL_MAX_BYTES);
const CHECK_TIMEOUT_MS = 90_000;

interface SavedImage {
  /** `docker inspect` Id: the sha256 of the image config. */
  id: string;
  /** `docker save` output. */
  tarball: Buffer;
}

const builtImageIds = new Set<string>();

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Builds a small image from the offline base `lockbox/busybox:1`, saves it, and removes it from the engine,
 * so the worker's check has to load it from the submitted tarball. A nonce label makes each image unique.
 */
async function buildAndSave(dockerfileLines: string[]): Promise<SavedImage> {
  const nonce = randomUUID();
  const context = tar.pack();
  context.entry(
    { name: 'Dockerfile' },
    ['FROM lockbox/busybox:1', 'COPY main.sh /app/main.sh', ...dockerfileLines, `LABEL lockbox.test.nonce=${nonce}`].join('\n'),
  );
  context.entry({ name: 'main.sh', mode: 0o755 }, '#!/bin/sh\necho \'{"schemaVersion":1,"summary":"Checked","blocks":[]}\' > /output/result.json\n');
  context.finalize();
  const tag = `lockbox-test/submission:${nonce}`;
  const progress = await docker.buildImage(Readable.from(await readAll(context as unknown as NodeJS.ReadableStream)), { t: tag, rm: true, forcerm: true });
  const output = await new Promise<Array<{ error?: string }>>((resolve, reject) => {
    docker.modem.followProgress(progress, (error: Error | null, result: Array<{ error?: string }>) => (error ? reject(error) : resolve(result)));
  });
  const failed = output.find((line) => line.error);
  if (failed) throw new Error(`docker build failed: ${failed.error}`);
  const { Id: id } = await docker.getImage(tag).inspect();
  builtImageIds.add(id);
  const tarball = await readAll(await docker.getImage(tag).get());
  await docker.getImage(tag).remove({ force: true });
  return { id, tarball };
}

function manifestFor(name: string, version: string, scopes: Record<string, string[]> = { 'social.posts': ['timestamp', 'likes'] }): Record<string, unknown> {
  return {
    name,
    version,
    title: `Engagement ${name}`,
    description: 'When and how you engage',
    category: 'social',
    price: 0,
    entrypoint: ['/app/main.sh'],
    scopes,
    params: { type: 'object', properties: {} },
    resources: { memory: '128m', cpu: 0.5, timeout: 30, output: '1m' },
  };
}

function uniqueName(): string {
  return `e2e-${randomUUID().slice(0, 8)}`;
}

async function submit(
  developer: Session,
  manifest: Record<string, unknown> | string,
  image: Buffer,
  options: { manifestAsFile?: boolean; imageFirst?: boolean } = {},
): Promise<{ status: number; body: any }> {
  const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
  const manifestPart = options.manifestAsFile
    ? { name: 'manifest', content: text, filename: 'lockbox.json', contentType: 'application/json' }
    : { name: 'manifest', content: text };
  const imagePart = { name: 'image', content: image, filename: 'image.tar', contentType: 'application/x-tar' };
  return upload('/submissions', options.imageFirst ? [imagePart, manifestPart] : [manifestPart, imagePart], { token: developer.token });
}

/**
 * A submission whose image part has `imageBytes` bytes: a tar header, then zeros. Streamed with its
 * Content-Length, so the test never holds the body.
 */
async function submitLarge(
  developer: Session,
  manifest: Record<string, unknown>,
  tarHeader: Buffer,
  imageBytes: number,
): Promise<{ status: number; body: any }> {
  const boundary = `lockbox-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n${JSON.stringify(manifest)}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="image.tar"\r\nContent-Type: application/x-tar\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const request = httpRequest(`${apiUrl()}/api/v1/submissions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${developer.token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + imageBytes + tail.length,
    },
  });
  const answered = once(request, 'response') as Promise<[NodeJS.ReadableStream & { statusCode: number }]>;
  // The API may answer (413) before it has the body, and close the connection if the rest keeps coming.
  let early = false;
  const settled = answered.then(
    () => (early = true),
    () => undefined,
  );
  request.on('error', () => undefined);
  const closed = new Promise((resolve) => request.once('close', resolve));
  const drainedOrGone = () => Promise.race([new Promise((resolve) => request.once('drain', resolve)), closed]);
  request.write(head);
  request.write(tarHeader);
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = imageBytes - tarHeader.length; left > 0 && !early && !request.destroyed; left -= zeros.length) {
    if (!request.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await Promise.race([drainedOrGone(), settled]);
  }
  if (!request.destroyed) request.end(tail);
  const [response] = await answered;
  return { status: response.statusCode, body: JSON.parse((await readAll(response)).toString('utf8')) };
}

/** Waits for the worker's verdict on a submission. */
async function checked(developer: Session, id: string): Promise<any> {
  return eventually(
    async () => {
      const response = await api('GET', `/submissions/${id}`, { token: developer.token });
      return ['awaiting_review', 'check_failed'].includes(response.body.status) ? response.body : undefined;
    },
    CHECK_TIMEOUT_MS,
    `the checks of submission ${id}`,
  );
}

async function submitAndCheck(
  developer: Session,
  manifest: Record<string, unknown>,
  image: SavedImage,
  options: { manifestAsFile?: boolean } = {},
): Promise<any> {
  const submitted = await submit(developer, manifest, image.tarball, options);
  expect(submitted.status).toBe(202);
  return checked(developer, submitted.body.id);
}

async function notificationsOf(session: Session): Promise<Array<{ type: string; title: string; body: string; subjectId: string }>> {
  const response = await api('GET', '/notifications?limit=100', { token: session.token });
  expect(response.status).toBe(200);
  return response.body.items;
}

describe('submissions, review and the catalogue', () => {
  let image: SavedImage;
  let admin: Session;

  beforeAll(async () => {
    await dataSource.initialize();
    image = await buildAndSave([]);
    admin = await createSession('admin');
  });

  afterAll(async () => {
    // The worker loaded these by ID while checking; they carry no tags.
    for (const id of builtImageIds)
      await docker
        .getImage(id)
        .remove({ force: true })
        .catch(() => undefined);
    await storage.onApplicationShutdown();
    await queue.onApplicationShutdown();
    await dataSource.destroy();
  });

  it('checks a submitted image, and approval publishes it in the catalogue bound to its image ID', async () => {
    const developer = await createSession('developer');
    const user = await createSession('user');
    const name = uniqueName();

    const submitted = await submit(developer, manifestFor(name, '1.0.0'), image.tarball);
    expect(submitted.status).toBe(202);
    expect(submitted.body).toMatchObject({ analysis: name, version: '1.0.0', status: 'submitted', imageId: null, upload: { bytes: image.tarball.length } });
    expect(submitted.body.scopes).toEqual({ 'social.posts': ['timestamp', 'likes'] });

    const submission = await checked(developer, submitted.body.id);
    expect(submission.status).toBe('awaiting_review');
    expect(submission.imageId).toBe(image.id);
    expect(submission.checkReport).toMatchObject({ passed: true, imageId: image.id, imageBytes: image.tarball.length, violations: [] });
    expect(submission.checkReport.layers).toBeGreaterThanOrEqual(2);
    expect(submission.checkReport.decompressedBytes).toBeGreaterThan(0);
    expect(submission.checkReport.steps.map((step: { outcome: string }) => step.outcome)).not.toContain('failed');
    expect((await notificationsOf(developer)).map((notification) => notification.title)).toContain(`Engagement ${name} 1.0.0 passed the automated checks`);

    // In the review queue, and not yet in the catalogue.
    const queue = await api('GET', '/submissions?status=awaiting_review&limit=100', { token: admin.token });
    expect(queue.body.items.map((item: { id: string }) => item.id)).toContain(submission.id);
    expect((await api('GET', `/analyses/${name}`, { token: user.token })).status).toBe(404);
    const ownView = await api('GET', `/analyses/${name}`, { token: developer.token });
    expect(ownView.status).toBe(200);
    expect(ownView.body.versions).toEqual([]);

    expect((await api('POST', `/submissions/${submission.id}/approve`, { token: developer.token, body: {} })).status).toBe(403);
    const approved = await api('POST', `/submissions/${submission.id}/approve`, { token: admin.token, body: { reason: 'Looks good' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'published', imageId: image.id, reviewReason: 'Looks good', publishedAt: expect.any(String) });
    expect((await api('POST', `/submissions/${submission.id}/approve`, { token: admin.token, body: {} })).status).toBe(409);
    expect((await notificationsOf(developer)).map((notification) => notification.title)).toContain(`Engagement ${name} 1.0.0 is published`);

    const catalogue = await api('GET', `/analyses?q=${name}`, { token: user.token });
    expect(catalogue.status).toBe(200);
    expect(catalogue.body.total).toBe(1);
    expect(catalogue.body.items[0]).toMatchObject({
      slug: name,
      title: `Engagement ${name}`,
      category: 'social',
      price: 0,
      latestVersion: {
        version: '1.0.0',
        scopes: { 'social.posts': ['timestamp', 'likes'] },
        resources: { memory: '128m', cpu: 0.5, timeout: 30, output: '1m' },
      },
    });
    expect((await api('GET', `/analyses?q=${name}&category=health`, { token: user.token })).body.total).toBe(0);
    expect((await api('GET', `/analyses?q=${name}%20engagement`, { token: user.token })).body.total).toBe(1);
    expect((await api('GET', `/analyses?category=astrology`, { token: user.token })).status).toBe(400);

    const detail = await api('GET', `/analyses/${name}`, { token: user.token });
    expect(detail.status).toBe(200);
    expect(detail.body.versions).toEqual([
      expect.objectContaining({ version: '1.0.0', imageId: image.id, previousVersion: null, newScopes: { 'social.posts': ['timestamp', 'likes'] } }),
    ]);
  });

  it('shows the fields a second version adds as new, and keeps each version with its own scopes', async () => {
    const developer = await createSession('developer');
    const user = await createSession('user');
    const name = uniqueName();
    const first = await submitAndCheck(developer, manifestFor(name, '1.0.0'), image);
    expect((await api('POST', `/submissions/${first.id}/approve`, { token: admin.token, body: {} })).status).toBe(200);

    // The manifest as a file part this time.
    const secondScopes = { 'social.posts': ['timestamp', 'likes', 'shares'], 'social.comments': ['timestamp'] };
    const second = await submitAndCheck(developer, manifestFor(name, '1.1.0', secondScopes), image, { manifestAsFile: true });
    expect(second.status).toBe('awaiting_review');
    expect((await api('POST', `/submissions/${second.id}/approve`, { token: admin.token, body: {} })).status).toBe(200);

    const detail = await api('GET', `/analyses/${name}`, { token: user.token });
    expect(detail.body.versions.map((version: { version: string }) => version.version)).toEqual(['1.1.0', '1.0.0']);
    expect(detail.body.versions[0]).toMatchObject({
      scopes: secondScopes,
      previousVersion: '1.0.0',
      newScopes: { 'social.posts': ['shares'], 'social.comments': ['timestamp'] },
    });
    expect(detail.body.versions[1]).toMatchObject({ scopes: { 'social.posts': ['timestamp', 'likes'] }, previousVersion: null });
    const listed = await api('GET', `/analyses?q=${name}`, { token: user.token });
    expect(listed.body.items[0].latestVersion).toMatchObject({ version: '1.1.0', scopes: secondScopes });
  });

  it('pages the catalogue in title order, with a total that holds on every page, and matches search words literally', async () => {
    const developer = await createSession('developer');
    const user = await createSession('user');
    // Three analyses sharing a word no other test uses; titles sort by their second word.
    const word = `pg${randomUUID().slice(0, 6)}`;
    const names = ['c', 'a', 'b'].map((letter) => ({ letter, name: uniqueName() }));
    for (const { letter, name } of names) {
      const manifest = { ...manifestFor(name, '1.0.0'), title: `${word} ${letter} 100%_off` };
      const checkedSubmission = await submitAndCheck(developer, manifest, image);
      expect((await api('POST', `/submissions/${checkedSubmission.id}/approve`, { token: admin.token, body: {} })).status).toBe(200);
    }
    const byTitle = ['a', 'b', 'c'].map((letter) => names.find((entry) => entry.letter === letter)!.name);

    const page = (offset: number, limit: number) => api('GET', `/analyses?q=${word}&offset=${offset}&limit=${limit}`, { token: user.token });
    const first = await page(0, 2);
    expect(first.body).toMatchObject({ total: 3, offset: 0, limit: 2 });
    expect(first.body.items.map((item: { slug: string }) => item.slug)).toEqual(byTitle.slice(0, 2));
    const second = await page(2, 2);
    expect(second.body).toMatchObject({ total: 3, offset: 2, limit: 2 });
    expect(second.body.items.map((item: { slug: string }) => item.slug)).toEqual(byTitle.slice(2));
    const beyond = await page(10, 2);
    expect(beyond.body).toMatchObject({ items: [], total: 3, offset: 10 });

    // `%` and `_` are characters to find, not patterns.
    expect((await api('GET', `/analyses?q=${word}%20100%25_off`, { token: user.token })).body.total).toBe(3);
    expect((await api('GET', `/analyses?q=${word}%20100%25%25`, { token: user.token })).body.total).toBe(0);
    expect((await api('GET', `/analyses?q=${word}%20100_`, { token: user.token })).body.total).toBe(0);
  });

  it('keeps a name with its first developer (409 for another) and a version to one submission (409 again)', async () => {
    const developer = await createSession('developer');
    const rival = await createSession('developer');
    const name = uniqueName();
    expect((await submit(developer, manifestFor(name, '1.0.0'), image.tarball)).status).toBe(202);

    const again = await submit(developer, manifestFor(name, '1.0.0'), image.tarball);
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/1\.0\.0.*already submitted/);

    const taken = await submit(rival, manifestFor(name, '2.0.0'), image.tarball);
    expect(taken.status).toBe(409);
    expect(taken.body.message).toBe(`The analysis name ${name} belongs to another developer`);

    expect((await api('GET', '/submissions', { token: developer.token })).body.total).toBe(1);
    expect((await api('GET', '/submissions', { token: rival.token })).body.total).toBe(0);
    expect(await storage.list(`submissions/${name}/`)).toHaveLength(1);
  });

  it('answers 400 at once for what is not a tar and for a malformed manifest, and 413 past the cap, keeping nothing', async () => {
    const developer = await createSession('developer');
    const name = uniqueName();

    const notATar = await submit(developer, manifestFor(name, '1.0.0'), Buffer.from('{"this is":"not a tarball"}'.repeat(100)));
    expect(notATar.status).toBe(400);
    expect(notATar.body.message).toMatch(/not a tar archive/);

    const badManifest = await submit(
      developer,
      { ...manifestFor(name, '1.0.0'), resources: { memory: '4g', cpu: 0.5, timeout: 30, output: '1m' }, category: 'astrology' },
      image.tarball,
    );
    expect(badManifest.status).toBe(400);
    expect(badManifest.body.message).toMatch(/resources\.memory must be between 128m and 2g \(got 4g\)/);
    expect(badManifest.body.message).toMatch(/category/);

    expect((await submit(developer, '{"name": "broken', image.tarball)).status).toBe(400);
    const imageFirst = await submit(developer, manifestFor(name, '1.0.0'), image.tarball, { imageFirst: true });
    expect(imageFirst.status).toBe(400);
    expect(imageFirst.body.message).toMatch(/manifest part before the image/);
    const noImage = await upload('/submissions', [{ name: 'manifest', content: JSON.stringify(manifestFor(name, '1.0.0')) }], { token: developer.token });
    expect(noImage.status).toBe(400);
    expect(noImage.body.message).toMatch(/image part is required/);

    // Starts like a tar, so only the size stops it; its declared length has it refused before anything is
    // stored. (Submissions under the cap pass everywhere else, the launcher's ~100 MiB sample included. One
    // byte over, found while streaming, is in test/sandbox/hostile-uploads.sandbox-spec.ts.)
    const tooLarge = await submitLarge(developer, manifestFor(name, '1.0.0'), image.tarball.subarray(0, 512), TARBALL_CAP + 8 * 1024 * 1024);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.message).toMatch(`"image" at most ${TARBALL_CAP} bytes`);

    expect((await api('GET', '/submissions', { token: developer.token })).body.total).toBe(0);
    expect(await storage.list(`submissions/${name}/`)).toEqual([]);
    expect((await api('GET', `/analyses/${name}`, { token: developer.token })).status).toBe(404);
  });

  it('is for developers and admins: 403 for users, and 404 for another developer reading a submission', async () => {
    const developer = await createSession('developer');
    const other = await createSession('developer');
    const user = await createSession('user');
    const name = uniqueName();

    expect((await submit(user, manifestFor(name, '1.0.0'), image.tarball)).status).toBe(403);
    expect((await api('GET', '/submissions', { token: user.token })).status).toBe(403);

    const submitted = await submit(developer, manifestFor(name, '1.0.0'), image.tarball);
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    expect((await api('GET', `/submissions/${id}`, { token: other.token })).status).toBe(404);
    expect((await api('GET', `/submissions/${id}`, { token: user.token })).status).toBe(403);
    expect((await api('GET', `/submissions/${id}`, { token: admin.token })).status).toBe(200);
    expect((await api('GET', `/submissions/${randomUUID()}`, { token: developer.token })).status).toBe(404);
    const othersList = await api('GET', '/submissions', { token: other.token });
    expect(othersList.body.items.map((item: { id: string }) => item.id)).not.toContain(id);
    await checked(developer, id);
  });

  it('rejects with a reason only, which the developer sees and is notified of', async () => {
    const developer = await createSession('developer');
    const submission = await submitAndCheck(developer, manifestFor(uniqueName(), '1.0.0'), image);
    expect(submission.status).toBe('awaiting_review');

    for (const body of [{}, { reason: '   ' }, { reason: 'x', verdict: 'no' }]) {
      expect((await api('POST', `/submissions/${submission.id}/reject`, { token: admin.token, body })).status).toBe(400);
    }
    expect((await api('GET', `/submissions/${submission.id}`, { token: developer.token })).body.status).toBe('awaiting_review');

    const rejected = await api('POST', `/submissions/${submission.id}/reject`, { token: admin.token, body: { reason: 'Reads more fields than it needs' } });
    expect(rejected.status).toBe(200);
    const seen = await api('GET', `/submissions/${submission.id}`, { token: developer.token });
    expect(seen.body).toMatchObject({ status: 'rejected', reviewReason: 'Reads more fields than it needs', reviewedAt: expect.any(String), publishedAt: null });
    const notification = (await notificationsOf(developer)).find((item) => item.type === 'submission.rejected');
    expect(notification).toMatchObject({ subjectId: submission.id, body: 'Reason: Reads more fields than it needs' });

    expect((await api('POST', `/submissions/${submission.id}/approve`, { token: admin.token, body: {} })).status).toBe(409);
    expect((await api('GET', `/analyses/${submission.analysis}`, { token: admin.token })).status).toBe(404);
  });

  it('checks again after a crashed attempt, once, whatever the duplicate deliveries', async () => {
    const developer = await createSession('developer');
    const first = await submitAndCheck(developer, manifestFor(uniqueName(), '1.0.0'), image);
    expect(first.status).toBe('awaiting_review');

    // What a worker that died mid-check leaves: the job active under an expired lease, no verdict, no event.
    // (One transaction, so the reconciler cannot pick the job up half-staged.)
    await dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE analysis_versions SET status = 'checking', image_id = NULL, image_key = NULL, check_report = NULL,
                lease_owner = 'crashed-worker', lease_expires_at = now() - interval '1 second', row_version = row_version + 1
          WHERE id = $1`,
        [first.id],
      );
      await manager.query(`DELETE FROM notifications WHERE subject_id = $1`, [first.id]);
      await manager.query(`DELETE FROM events WHERE subject_id = $1`, [first.id]);
    });

    // The queue redelivers, twice: one delivery claims the job, the other finds nothing to claim.
    await queue.send({ type: 'submission.check', id: first.id });
    await queue.send({ type: 'submission.check', id: first.id });
    const again = await checked(developer, first.id);
    expect(again).toMatchObject({ status: 'awaiting_review', imageId: image.id, checkReport: { passed: true } });
    const notifications = (await notificationsOf(developer)).filter((item) => item.subjectId === first.id);
    expect(notifications.map((item) => item.type)).toEqual(['submission.awaiting_review']);
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM events WHERE subject_id = $1`, [first.id]);
    expect(count).toBe(1);
    const [{ attempts }] = await dataSource.query(`SELECT attempts FROM analysis_versions WHERE id = $1`, [first.id]);
    expect(attempts).toBe(2);
  });

  it('fails the checks of an image that declares a VOLUME, naming the rule, and it cannot be approved', async () => {
    const developer = await createSession('developer');
    const withVolume = await buildAndSave(['VOLUME /data']);
    const submission = await submitAndCheck(developer, manifestFor(uniqueName(), '1.0.0'), withVolume);

    expect(submission.status).toBe('check_failed');
    expect(submission.imageId).toBeNull();
    expect(submission.checkReport.passed).toBe(false);
    expect(submission.checkReport.imageId).toBe(withVolume.id);
    expect(submission.checkReport.violations).toEqual([{ rule: 'config', message: expect.stringMatching(/^VOLUME is not allowed: \/data/) }]);
    expect(submission.checkReport.steps).toEqual([
      { name: 'manifest', outcome: 'passed' },
      { name: 'intake', outcome: 'failed' },
      { name: 'store', outcome: 'skipped' },
      { name: 'load', outcome: 'skipped' },
      { name: 'engine_config', outcome: 'skipped' },
      { name: 'smoke_run', outcome: 'skipped' },
    ]);
    const notification = (await notificationsOf(developer)).find((item) => item.type === 'submission.check_failed');
    expect(notification?.body).toMatch(/^config: VOLUME is not allowed/);

    const approve = await api('POST', `/submissions/${submission.id}/approve`, { token: admin.token, body: {} });
    expect(approve.status).toBe(409);
  });
});
