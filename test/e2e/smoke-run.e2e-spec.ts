// The smoke run of the automated checks: a submitted image runs once in the sandbox on synthetic
// fixtures for its declared scopes, and a crash, a timeout or an invalid result ends `check_failed`
// with a report that names the cause, which the developer reads in GET /submissions/:id.
import { buildTestAnalysisImage, type BuiltTestImage, submitAnalysis, testManifest } from '../support/analysis-images';
import { api, createSession, eventually, type Session } from '../support/session';

jest.setTimeout(240_000);

/** Checks that the staged input holds exactly the declared fields, then writes a valid result. */
const WELL_BEHAVED = `#!/bin/sh
set -e
lines=$(wc -l < /input/data/social.posts.jsonl)
if grep -q '"text"' /input/data/social.posts.jsonl; then echo "undeclared field staged" >&2; exit 9; fi
grep -q '"likes"' /input/data/social.posts.jsonl
echo "{\\"schemaVersion\\":1,\\"summary\\":\\"$lines posts\\",\\"blocks\\":[{\\"type\\":\\"metric\\",\\"label\\":\\"Posts\\",\\"value\\":$lines}]}" > /output/result.json
`;

describe('the smoke run of a submission', () => {
  let developer: Session;
  let image: BuiltTestImage;

  beforeAll(async () => {
    developer = await createSession('developer');
    image = await buildTestAnalysisImage('busybox', { 'main.sh': WELL_BEHAVED });
  }, 120_000);

  /** Submits the shared image under a new manifest and waits for the checks' verdict. */
  async function checked(overrides: Parameters<typeof testManifest>[0]) {
    const manifest = testManifest({ scopes: { 'social.posts': ['timestamp', 'likes'] }, ...overrides });
    const submitted = await submitAnalysis(developer, manifest, image.tarball);
    expect(submitted.status).toBe(202);
    return eventually(
      async () => {
        const response = await api('GET', `/submissions/${submitted.body.id}`, { token: developer.token });
        return ['submitted', 'checking'].includes(response.body.status) ? undefined : response.body;
      },
      180_000,
      `the checks of ${manifest.name}`,
    );
  }

  it('passes an image that writes a valid result from the synthetic records, and reports the run', async () => {
    const submission = await checked({ entrypoint: ['/bin/sh', '/app/main.sh'] });
    expect(submission.status).toBe('awaiting_review');
    expect(submission.checkReport.steps.at(-1)).toEqual({ name: 'smoke_run', outcome: 'passed' });
    const smoke = submission.checkReport.smokeRun;
    expect(smoke).toMatchObject({ status: 'succeeded', records: { 'social.posts': 200 }, exitCode: 0, fixtureSeed: expect.any(Number) });
    expect(['runc', 'runsc']).toContain(smoke.runtime);
    expect(smoke.containerMs).toBeGreaterThan(0);
    expect(smoke.outputBytes).toBe(smoke.resultBytes);
    expect(smoke.outputBytes).toBeGreaterThan(0);
    // Under gVisor whenever this worker has it: the submission is unreviewed code.
    const health = await api('GET', '/health/details', { token: (await createSession('admin')).token });
    if (health.body.workers.every((worker: { runtimes: string[] }) => worker.runtimes.includes('runsc'))) expect(smoke.runtime).toBe('runsc');
  });

  it('fails a crashing image, naming the crash and keeping the end of its logs', async () => {
    const submission = await checked({ entrypoint: ['/bin/sh', '-c', 'echo "reading input" ; echo "boom: cannot parse" >&2; exit 3'] });
    expect(submission.status).toBe('check_failed');
    expect(submission.checkReport.violations).toEqual([{ rule: 'smoke_run', message: expect.stringMatching(/^the smoke run crashed: .*3/) }]);
    expect(submission.checkReport.smokeRun).toMatchObject({ status: 'failed', reason: 'exit_code', exitCode: 3 });
    expect(submission.checkReport.smokeRun.logTail).toContain('boom: cannot parse');
  });

  it('looks like any run from inside the container: run.json names a run by a plain UUID', async () => {
    // An image that could tell its review from a user's run could behave only while reviewed.
    const submission = await checked({ entrypoint: ['/bin/sh', '-c', 'cat /input/run.json; exit 4'] });
    expect(submission.checkReport.smokeRun).toMatchObject({ status: 'failed', exitCode: 4 });
    const runJson = JSON.parse(
      String(submission.checkReport.smokeRun.logTail)
        .trim()
        .split('\n')
        .find((line: string) => line.startsWith('{'))!,
    );
    expect(runJson.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('fails an image that runs past its timeout', async () => {
    const submission = await checked({ entrypoint: ['/bin/sh', '-c', 'sleep 60'], resources: { memory: '128m', cpu: 0.5, timeout: 2, output: '1m' } });
    expect(submission.status).toBe('check_failed');
    expect(submission.checkReport.violations).toEqual([{ rule: 'smoke_run', message: expect.stringMatching(/^the smoke run timed out: /) }]);
    expect(submission.checkReport.smokeRun).toMatchObject({ status: 'timed_out', reason: 'deadline' });
  });

  it('fails an image that writes an invalid result, and notifies the developer with the cause', async () => {
    const submission = await checked({ entrypoint: ['/bin/sh', '-c', `echo '{"schemaVersion":1,"blocks":"nope"}' > /output/result.json`] });
    expect(submission.status).toBe('check_failed');
    expect(submission.checkReport.violations).toEqual([{ rule: 'smoke_run', message: expect.stringMatching(/^the smoke run wrote an invalid result: /) }]);
    expect(submission.checkReport.smokeRun).toMatchObject({ status: 'failed', reason: 'output_invalid' });
    const notifications = await api('GET', '/notifications', { token: developer.token });
    const notification = notifications.body.items.find(
      (item: { type: string; subjectId?: string; body: string }) => item.type === 'submission.check_failed' && item.body.includes('invalid result'),
    );
    expect(notification?.body).toMatch(/^smoke_run: the smoke run wrote an invalid result/);
  });
});
