import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, asClient, clientAddress, createSession, eventually, type Session, upload } from '../support/session';

/** One line of the API's or a worker's log file: JSON with these fields at least. */
interface LogLine {
  level: string;
  time: string;
  service: string;
  msg: string;
  correlationId?: string;
  runId?: string;
  datasetId?: string;
  jobType?: string;
  attempt?: number;
}

/** The sample analysis the launcher publishes that reads posts' text: the marker goes through it. */
const WRITING_PATTERNS = 'writing-patterns';
const TEXT_CONSENT = { scopes: { 'social.posts': ['text'] } };

function logsDir(): string {
  return join(process.env.LOCKBOX_HOME!, 'logs');
}

/** The launcher writes each process's output to `<home>/logs/<name>.log`: api.log, worker.log, worker-2.log, … */
function logFiles(): Array<{ name: string; text: string }> {
  return readdirSync(logsDir()).map((name) => ({ name, text: readFileSync(join(logsDir(), name), 'utf8') }));
}

/**
 * The JSON lines of the files of one service. Anything else is skipped: a runtime warning on stderr, or
 * a last line the process is still writing.
 */
function linesOf(service: 'api' | 'worker'): LogLine[] {
  return logFiles()
    .filter(({ name }) => name === `${service}.log` || name.startsWith(`${service}-`))
    .flatMap(({ text }) => text.split('\n'))
    .flatMap((line) => {
      try {
        return line.startsWith('{') ? [JSON.parse(line) as LogLine] : [];
      } catch {
        return [];
      }
    });
}

/** A word the sample's tokenizer keeps (lowercase letters only), unique to this test run. */
function markerWord(): string {
  return `zq${Array.from({ length: 14 }, () => String.fromCharCode(97 + randomInt(26))).join('')}`;
}

describe('structured logs', () => {
  let user: Session;
  const marker = markerWord();

  beforeAll(async () => {
    user = await createSession('user');
  });

  it("follows one run across the API and the worker by its correlation id, and neither holds the person's data or credentials", async () => {
    // The marker is in the records, the file name and the dataset's name: all the person's own.
    const records = Array.from({ length: 4 }, (_, index) => ({
      kind: 'social.posts',
      timestamp: `2026-01-0${index + 1}T10:00:00Z`,
      platform: 'x',
      type: 'post',
      text: `The ${marker} went to the market. Everyone loves ${marker} on a sunny day.`,
    }));
    const uploaded = await upload(
      '/datasets',
      [
        { name: 'format', content: 'lockbox-jsonl' },
        { name: 'name', content: `${marker} export` },
        {
          name: 'file',
          content: Buffer.from(records.map((record) => JSON.stringify(record)).join('\n')),
          filename: `${marker}.jsonl`,
          contentType: 'application/x-ndjson',
        },
      ],
      { token: user.token },
    );
    expect(uploaded.status).toBe(202);
    const datasetId = uploaded.body.id as string;
    const uploadRequestId = uploaded.headers.get('x-request-id');
    await eventually(
      async () => ((await api('GET', `/datasets/${datasetId}`, { token: user.token })).body.status === 'ready' ? true : undefined),
      60_000,
      'the dataset to be ingested',
    );

    const requested = await api('POST', '/runs', {
      token: user.token,
      body: { analysis: WRITING_PATTERNS, datasetIds: [datasetId], params: { topN: 5 }, consent: TEXT_CONSENT },
    });
    expect(requested.status).toBe(202);
    const runId = requested.body.id as string;
    const runRequestId = requested.headers.get('x-request-id')!;
    expect(runRequestId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    const run = await eventually(
      async () => {
        const response = await api('GET', `/runs/${runId}`, { token: user.token });
        return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
      },
      90_000,
      `run ${runId} to finish`,
    );
    expect(run.status).toBe('succeeded');
    // The marker went all the way through the analysis: it is the result's, its owner's, and only there.
    expect(JSON.stringify((await api('GET', `/runs/${runId}/result`, { token: user.token })).body)).toContain(marker);

    // Registering a taken email is answered as if it were free; it leaves nothing of the email in a log either.
    const again = await api('POST', '/auth/register', {
      body: { email: user.email, password: user.password, role: 'user' },
      headers: asClient(clientAddress()),
    });
    expect(again.status).toBe(201);

    // The worker's last line for the job comes after the message is acknowledged.
    const workerLines = await eventually(
      () => {
        const lines = linesOf('worker').filter((line) => line.correlationId === runRequestId);
        return Promise.resolve(lines.some((line) => /handled/.test(line.msg)) ? lines : undefined);
      },
      30_000,
      "the worker's lines for the run",
    );
    const apiLines = linesOf('api').filter((line) => line.correlationId === runRequestId);

    // The API's lines for the request: the run queued, and the request itself.
    expect(apiLines.length).toBeGreaterThanOrEqual(2);
    for (const line of apiLines) expect(line).toMatchObject({ service: 'api', level: expect.any(String), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(apiLines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([`run ${runId} queued`, expect.stringMatching(/^POST \/api\/v1\/runs 202 \d+ms$/)]),
    );
    expect(apiLines.filter((line) => line.runId === runId).length).toBeGreaterThanOrEqual(2);

    // The worker's lines for the job carry the same id, the run's and the attempt's.
    expect(workerLines.length).toBeGreaterThanOrEqual(2);
    for (const line of workerLines) expect(line).toMatchObject({ service: 'worker', runId, jobType: 'run.execute', attempt: 1 });
    expect(workerLines.map((line) => line.msg)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^run ${runId}: succeeded`))]));

    // The ingest the upload queued is the upload request's, the same way.
    const ingestLines = linesOf('worker').filter((line) => line.datasetId === datasetId);
    expect(ingestLines.length).toBeGreaterThanOrEqual(1);
    for (const line of ingestLines) expect(line).toMatchObject({ correlationId: uploadRequestId, jobType: 'dataset.ingest' });

    // Nothing of the person's, and no credential, in any process's own lines.
    const secrets = { marker, email: user.email, password: user.password, accessToken: user.token };
    for (const { name, text } of logFiles()) {
      for (const [what, value] of Object.entries(secrets)) expect({ log: name, what, found: text.includes(value) }).toEqual({ log: name, what, found: false });
    }
  });
});
