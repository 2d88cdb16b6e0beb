// The statistics side channel: an image can encode a consented field in how long it runs or how it ends,
// and its developer reads GET /analyses/:slug/stats. Ten people run a published analysis through the
// public API and the worker; their runs are then moved, with the analysis, a few weeks back in PostgreSQL
// (the figures only cover closed weeks, and the product has no fake clock). One person's run is fast and
// succeeds in one week and is slow and fails in another, next to the same crowd: the developer reads the
// same figures for both weeks. After publication, that run is rewritten: the developer's answer stays
// byte for byte the same, while the admin's exact figures move (so the test can fail).
import { Client } from 'pg';
import { loadConfig } from '@lockbox/config';
import { publishTestAnalysis, type PublishedTestAnalysis } from '../support/analysis-images';
import { api, apiUrl, createSession, eventually, type Session } from '../support/session';
import { readyDataset, SLEEPER_CONSENT } from '../support/sleeper-analysis';

jest.setTimeout(300_000);

const config = loadConfig();

/** `crowd` sleeps 2 s and succeeds (1–10 s), `fast` succeeds at once, `slow-crash` fails after 11 s (10–60 s). */
const MODE_SCRIPT = [
  `mode=$(grep -o '"mode":"[a-z-]*"' /input/run.json | cut -d'"' -f4)`,
  `if [ "$mode" = crowd ]; then sleep 2; fi`,
  `if [ "$mode" = slow-crash ]; then sleep 11; echo "failing on purpose" >&2; exit 3; fi`,
  `echo '{"schemaVersion":1,"summary":"done","blocks":[]}' > /output/result.json`,
].join('\n');

type Mode = 'crowd' | 'fast' | 'slow-crash';

interface Person {
  session: Session;
  datasetId: string;
}

async function query<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
  const database = new Client({ connectionString: config.database.url });
  await database.connect();
  try {
    return (await database.query(sql, parameters)).rows as T[];
  } finally {
    await database.end();
  }
}

async function requestRun(person: Person, analysis: PublishedTestAnalysis, mode: Mode): Promise<string> {
  const accepted = await api('POST', '/runs', {
    token: person.session.token,
    body: { analysis: analysis.slug, datasetIds: [person.datasetId], params: { mode }, consent: SLEEPER_CONSENT },
  });
  expect(accepted.status).toBe(202);
  return accepted.body.id;
}

async function finished(person: Person, runId: string): Promise<any> {
  return eventually(
    async () => {
      const response = await api('GET', `/runs/${runId}`, { token: person.session.token });
      return ['queued', 'running'].includes(response.body.status) ? undefined : response.body;
    },
    180_000,
    `run ${runId} to finish`,
  );
}

/** The Monday `weeksAgo` weeks before this one (UTC), by the database's clock. */
async function mondayWeeksAgo(weeksAgo: number): Promise<string> {
  const [row] = await query<{ monday: string }>(
    `SELECT to_char(date_trunc('week', now() AT TIME ZONE 'UTC') - make_interval(weeks => $1::int), 'YYYY-MM-DD') AS monday`,
    [weeksAgo],
  );
  return row!.monday; // a SELECT without FROM: one row
}

/** Moves runs, keeping their spacing, to start on the Wednesday of the week of `monday`. */
async function moveRunsToWeek(runIds: string[], monday: string): Promise<void> {
  await query(
    `WITH shift AS (SELECT (($2::date + 2)::timestamp AT TIME ZONE 'UTC') - min(queued_at) AS by FROM runs WHERE id = ANY($1::uuid[]))
     UPDATE runs SET queued_at = queued_at + shift.by, started_at = started_at + shift.by, finished_at = finished_at + shift.by,
                     created_at = created_at + shift.by, updated_at = updated_at + shift.by
       FROM shift WHERE id = ANY($1::uuid[])`,
    [runIds, monday],
  );
}

/** Copies of runs (one per id given, repeats included), as the same people running the same version again with the same outcome. */
async function copyRuns(runIds: string[]): Promise<string[]> {
  const copies = await query<{ id: string }>(
    `INSERT INTO runs (user_id, analysis_version_id, dataset_ids, params, status, reason, message, attempts, queued_at, started_at, finished_at, container_ms)
     SELECT r.user_id, r.analysis_version_id, r.dataset_ids, r.params, r.status, r.reason, r.message, r.attempts, r.queued_at, r.started_at, r.finished_at, r.container_ms
       FROM unnest($1::uuid[]) AS source(id) JOIN runs r ON r.id = source.id
     RETURNING id`,
    [runIds],
  );
  return copies.map((copy) => copy.id);
}

/** The raw text of the stats answer: what "byte for byte" compares. */
async function statsText(slug: string, token: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${apiUrl()}/api/v1/analyses/${slug}/stats`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, text: await response.text() };
}

function withoutDate<T extends { week: string; startsOn: string; publishedAt: string }>(week: T): Omit<T, 'week' | 'startsOn' | 'publishedAt'> {
  const { week: _week, startsOn: _startsOn, publishedAt: _publishedAt, ...figures } = week;
  return figures;
}

it("shows the developer nothing that moves when one person's run is fast or slow, succeeds or fails, or is repeated; fewer than k people show nothing", async () => {
  const { minPeople, roundTo } = config.stats;
  // With the defaults (10 people, rounding to 10): the crowd's 9 and the victim's 0 or 1 round alike.
  expect({ minPeople, roundTo }).toEqual({ minPeople: 10, roundTo: 10 });

  const [developer, admin, rival] = await Promise.all([createSession('developer'), createSession('admin'), createSession('developer')]);
  const analysisPublished = publishTestAnalysis({
    base: 'busybox',
    developer,
    files: { 'mode.sh': MODE_SCRIPT },
    manifest: {
      title: 'Encodes in its timing',
      entrypoint: ['/bin/sh', '/app/mode.sh'],
      params: { type: 'object', additionalProperties: false, properties: { mode: { type: 'string', enum: ['crowd', 'fast', 'slow-crash'], default: 'fast' } } },
      scopes: SLEEPER_CONSENT.scopes,
    },
  });
  const people: Person[] = await Promise.all(
    Array.from({ length: minPeople }, async () => {
      const session = await createSession('user');
      return { session, datasetId: await readyDataset(session) };
    }),
  );
  const analysis = await analysisPublished;
  const crowd = people.slice(1);
  const victim = people[0]!;

  // Week A, all through the worker: the crowd, and the victim's run fast and successful. The victim's
  // second run, slow and failed, goes to week B, next to the same crowd's runs copied there. Week C: the
  // crowd's runs copied once more, alone: one person short of the minimum. The victim also runs the
  // analysis nine more times in week A, slow and failing, after the first: a person counts once a week,
  // so the image cannot add up its signal over a person's many runs. (Copies, because the worker
  // spends about 2 s per container on this machine beyond the analysis' own time: running them all through
  // it took the file past 80 s, and a copy of a person's real run is what that person running it again
  // would give.)
  const weekA = await Promise.all([requestRun(victim, analysis, 'fast'), ...crowd.map((person) => requestRun(person, analysis, 'crowd'))]);
  const slowRun = await requestRun(victim, analysis, 'slow-crash');
  const runs = new Map<string, any>();
  for (const [index, id] of weekA.entries()) runs.set(id, await finished(people[index]!, id)); // weekA has a run per person, in order
  const victimFast = runs.get(weekA[0]);
  const victimSlow = await finished(victim, slowRun);
  expect(victimFast).toMatchObject({ status: 'succeeded' });
  expect(victimSlow).toMatchObject({ status: 'failed', reason: 'exit_code' });
  // The slow run really took its 11 s, and the crowd's theirs (buckets 10–60 s and 1–10 s).
  expect(victimSlow.containerMs).toBeGreaterThanOrEqual(11_000);
  for (const id of weekA.slice(1)) expect(runs.get(id)).toMatchObject({ status: 'succeeded', containerMs: expect.any(Number) });
  for (const id of weekA.slice(1)) expect(runs.get(id).containerMs).toBeGreaterThanOrEqual(1_000);

  // Into closed weeks, long enough ago to be published whatever the publication delay (at most a week).
  const [mondayA, mondayB, mondayC, mondayCreated] = await Promise.all([mondayWeeksAgo(3), mondayWeeksAgo(4), mondayWeeksAgo(5), mondayWeeksAgo(6)]);
  const weekB = [slowRun, ...(await copyRuns(weekA.slice(1)))];
  const weekC = await copyRuns(weekA.slice(1));
  const victimAgain = await copyRuns(Array.from({ length: 9 }, () => slowRun));
  await moveRunsToWeek([...weekA, ...victimAgain], mondayA);
  await moveRunsToWeek(weekB, mondayB);
  await moveRunsToWeek(weekC, mondayC);
  await query(`UPDATE analyses SET created_at = $2::date + 1 WHERE slug = $1`, [analysis.slug, mondayCreated]);
  const runIds = [...weekA, ...victimAgain, ...weekB, ...weekC];

  // The developer reads the figures (which publishes the closed weeks); then the victim's run of week A
  // becomes slow and failed. The developer's answer does not move; the admin's exact figures do.
  const first = await statsText(analysis.slug, developer.token);
  expect(first.status).toBe(200);
  const adminBefore = (await api('GET', `/analyses/${analysis.slug}/stats`, { token: admin.token })).body;
  await query(`UPDATE runs SET status = 'failed', reason = 'oom', container_ms = 45000 WHERE id = $1`, [weekA[0]]);
  const second = await statsText(analysis.slug, developer.token);
  const adminAfter = (await api('GET', `/analyses/${analysis.slug}/stats`, { token: admin.token })).body;
  expect(second).toEqual(first);
  expect(adminBefore.exact).toMatchObject({ runs: 38, byStatus: { succeeded: 28, failed: 10 }, failureReasons: { exit_code: 10 } });
  expect(adminAfter.exact).toMatchObject({ runs: 38, byStatus: { succeeded: 27, failed: 11 }, failureReasons: { exit_code: 10, oom: 1 } });

  const stats = JSON.parse(first.text);
  expect(stats).toMatchObject({ analysis: analysis.slug, method: { minPeople: 10, roundTo: 10, runsPerPerson: 1 } });
  expect(stats.exact).toBeUndefined();
  expect(adminBefore.weeks).toEqual(stats.weeks);
  expect(adminAfter.weeks).toEqual(stats.weeks);
  const week = (monday: string): any => stats.weeks.find((entry: { startsOn: string }) => entry.startsOn === monday);
  expect(week(mondayA)).toEqual({
    week: expect.stringMatching(/^\d{4}-W\d{2}$/),
    startsOn: mondayA,
    publishedAt: expect.any(String),
    people: '≥10',
    runs: 10,
    byStatus: { succeeded: 10, failed: 0, timed_out: 0, cancelled: 0, unfinished: 0 },
    failureReasons: { other: 0 },
    durations: { under1s: 0, from1to10s: 10, from10to60s: 0, over60s: 0 },
  });
  // Before publication too: with the victim's run slow and failed instead, week B reads the same.
  expect(withoutDate(week(mondayB))).toEqual(withoutDate(week(mondayA)));
  // Nine people: nothing but that.
  expect(week(mondayC)).toEqual({ week: expect.any(String), startsOn: mondayC, publishedAt: expect.any(String), people: '<10' });
  // Closed weeks only, newest first, from the week the analysis was created; the week in progress never.
  const starts = stats.weeks.map((entry: { startsOn: string }) => entry.startsOn);
  expect(starts[starts.length - 1]).toBe(mondayCreated);
  expect(starts).toEqual([...starts].sort().reverse());
  expect(starts).not.toContain(await mondayWeeksAgo(0));
  // Nothing about a person, a run or an outcome's words.
  for (const secret of [...runIds, ...people.map((person) => person.session.id), victim.datasetId, 'failing on purpose', String(victimSlow.containerMs)]) {
    expect(first.text).not.toContain(secret);
  }
  // Published figures are never rewritten, not even by a direct write.
  await expect(
    query(`UPDATE analysis_week_figures SET figures = '{}' WHERE analysis_id = (SELECT id FROM analyses WHERE slug = $1)`, [analysis.slug]),
  ).rejects.toThrow(/published weekly figures are never changed/);

  // Someone else's analysis is not found; a user is not a developer.
  expect((await statsText(analysis.slug, rival.token)).status).toBe(404);
  expect((await statsText(analysis.slug, victim.session.token)).status).toBe(403);
});
