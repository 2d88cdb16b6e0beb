// `npm run soak`: many runs from many users through the public API while workers keep dying. The stack is
// the launcher's (`npm run up`) with several workers; every few seconds one of them gets SIGKILL and the
// launcher starts it again. At the end it counts, from the platform's rows, the Docker Engine's event
// stream and each user's notifications as the API serves them, whether any run was lost or doubled, and
// exits non-zero if one was. Not a timed test: it prints what it counted, and how long it took.
//
// Flags (defaults in brackets):
//   --runs N          runs to submit [1000]
//   --users N         users they come from, each with a dataset of their own [50]
//   --workers N       worker processes (LOCKBOX_WORKERS) [3]
//   --kill-every S    seconds between two worker kills, 0 for none [5]
//   --submitters N    POST /runs in flight at once [10]
//   --drain-timeout S how long the runs may take to finish after the last is submitted [1800]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { dockerClientFor } from '@lockbox/sandbox';
import { ContainerLedger } from '../test/support/container-ledger';
import { buildBenchImage, postsJsonl, publishBenchAnalysis, startRun, uploadDataset } from './support/bench-analysis';
import { BenchClient, type BenchSession } from './support/bench-client';
import { flags, intFlag, machineInfo } from './support/figures';
import { repoRoot, startBenchStack } from './support/stack';

const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled'];

/** Recovery within seconds: leases, visibility and the reconciler are short, as a test stack's are. */
const SOAK_STACK_ENV: Record<string, string> = {
  LOCKBOX_LEASE_MS: '6000',
  LOCKBOX_LEASE_RENEW_MS: '2000',
  LOCKBOX_SQS_VISIBILITY_TIMEOUT_S: '10',
  LOCKBOX_RECONCILE_MS: '2000',
  LOCKBOX_REPUBLISH_AFTER_MS: '60000',
  LOCKBOX_RETRY_BACKOFF_S: '1',
  LOCKBOX_WORKER_SHUTDOWN_GRACE_MS: '5000',
};

interface RunRow {
  id: string;
  user_id: string;
  status: string;
  attempts: number;
  finished_events: number;
  notification_rows: number;
}

async function main(): Promise<void> {
  const args = flags();
  const runs = intFlag(args, 'runs', 1000);
  const userCount = intFlag(args, 'users', 50);
  const workers = intFlag(args, 'workers', 3);
  const killEverySeconds = intFlag(args, 'kill-every', 5);
  const submitters = intFlag(args, 'submitters', 10);
  const drainTimeoutSeconds = intFlag(args, 'drain-timeout', 1800);
  const startedAt = Date.now();
  const elapsed = () => `${Math.round((Date.now() - startedAt) / 1000)} s`;

  const image = await buildBenchImage();
  const stack = await startBenchStack('soak', { ...SOAK_STACK_ENV, LOCKBOX_WORKERS: String(workers) });
  const db = new Pool({ connectionString: stack.config.database.url, max: 2 });
  const ledger = await ContainerLedger.open(dockerClientFor(stack.config.docker.host), stack.config.instanceId);
  let killing: Promise<void> | undefined;
  let stopKilling = false;
  try {
    console.log(`soak: stack up (${workers} workers): ${stack.home}`);
    const client = new BenchClient(stack.apiUrl);
    const analysis = await publishBenchAnalysis(client, image);
    const users = await inBatches(Array.from({ length: userCount }), 10, async () => {
      const user = await client.session('user');
      return { user, datasetId: await uploadDataset(client, user, postsJsonl(5)) };
    });
    console.log(`soak: ${userCount} users with a dataset each, analysis ${analysis.slug} published (${elapsed()})`);

    let kills = 0;
    killing = (async () => {
      if (killEverySeconds === 0) return;
      while (!stopKilling) {
        await sleep(killEverySeconds * 1000);
        const pids = stack.workerPids();
        const victim = pids[Math.floor(Math.random() * pids.length)];
        if (victim === undefined || stopKilling) continue;
        try {
          process.kill(victim, 'SIGKILL');
          kills += 1;
        } catch {
          // it died already
        }
      }
    })();

    const accepted: Array<{ runId: string; owner: BenchSession }> = [];
    let refused = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: submitters }, async () => {
        while (next < runs) {
          const { user, datasetId } = users[next++ % users.length]!;
          try {
            accepted.push({ runId: await startRun(client, user, analysis, [datasetId]), owner: user });
          } catch (error) {
            refused += 1;
            console.log(`soak: a run was refused: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }),
    );
    console.log(`soak: ${accepted.length} runs accepted, ${refused} refused (${elapsed()})`);

    const ids = accepted.map((run) => run.runId);
    const deadline = Date.now() + drainTimeoutSeconds * 1000;
    for (;;) {
      const [{ done }] = (await db.query(`SELECT count(*)::int AS done FROM runs WHERE id = ANY($1::uuid[]) AND status = ANY($2)`, [ids, TERMINAL])).rows as [
        { done: number },
      ];
      console.log(`soak: ${done}/${ids.length} finished, ${kills} worker kills (${elapsed()})`);
      if (done === ids.length || Date.now() > deadline) break;
      await sleep(5000);
    }
    stopKilling = true;
    await killing;
    // A redelivery still on its way would show up as a second container or outcome: give it the time to.
    await sleep(Number(stack.config.sqs.visibilityTimeoutSeconds) * 1000 + 5000);

    const rows = (
      await db.query(
        `SELECT r.id, r.user_id, r.status, r.attempts,
                (SELECT count(*)::int FROM events e WHERE e.subject_id = r.id AND e.type = ANY($2)) AS finished_events,
                (SELECT count(*)::int FROM notifications n WHERE n.subject_id = r.id) AS notification_rows
           FROM runs r WHERE r.id = ANY($1::uuid[])`,
        [ids, TERMINAL.map((status) => `run.${status}`)],
      )
    ).rows as RunRow[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    const lost = ids.filter((id) => !TERMINAL.includes(byId.get(id)?.status ?? 'missing'));
    const containersStarted = ids.reduce((sum, id) => sum + ledger.startsOf(id).length, 0);
    const duplicated = ids.filter((id) => {
      const row = byId.get(id);
      return (
        (row?.finished_events ?? 0) > 1 ||
        (row?.notification_rows ?? 0) > 1 ||
        ledger.mostAliveAtOnce(id) > 1 ||
        ledger.startsOf(id).length > (row?.attempts ?? 0)
      );
    });
    const notificationsPerRun = await notificationsSeenByOwners(client, accepted);
    const perRunHistogram = histogram(ids.map((id) => notificationsPerRun.get(id) ?? 0));
    const statuses = histogram(rows.map((row) => row.status));
    const attempts = rows.reduce((sum, row) => sum + row.attempts, 0);
    const everyoneToldOnce = ids.every((id) => notificationsPerRun.get(id) === 1);

    const figures = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      settings: { runs, users: userCount, workers, killEverySeconds, submitters },
      submitted: accepted.length,
      refused,
      finished: ids.length - lost.length,
      statuses,
      attempts,
      containersStarted,
      workerKills: kills,
      lost: lost.length,
      duplicated: duplicated.length,
      notificationsPerRun: perRunHistogram,
      seconds: Math.round((Date.now() - startedAt) / 1000),
    };
    await mkdir(join(repoRoot, 'bench', 'results'), { recursive: true });
    await writeFile(join(repoRoot, 'bench', 'results', 'soak.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(
      [
        '',
        `soak: runs submitted=${figures.submitted} refused=${refused} finished=${figures.finished} statuses=${JSON.stringify(statuses)}`,
        `soak: attempts=${attempts} containers started=${containersStarted} worker kills=${kills}`,
        `soak: notifications per run (as each owner's GET /notifications shows them)=${JSON.stringify(perRunHistogram)}`,
        `soak: lost=${lost.length} duplicated=${duplicated.length} in ${figures.seconds} s`,
        ...lost.slice(0, 10).map((id) => `  lost: ${id} (${byId.get(id)?.status ?? 'no row'})`),
        ...duplicated.slice(0, 10).map((id) => `  duplicated: ${id} ${JSON.stringify({ ...byId.get(id), containers: ledger.startsOf(id).length })}`),
      ].join('\n'),
    );
    if (lost.length > 0 || duplicated.length > 0 || !everyoneToldOnce) process.exitCode = 1;
  } finally {
    stopKilling = true;
    await killing;
    ledger.close();
    await db.end();
    await stack.stop();
  }
}

/** Each owner's notifications, paged through the public API, counted by the run they are about. */
async function notificationsSeenByOwners(client: BenchClient, runs: Array<{ owner: BenchSession }>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const owners = [...new Map(runs.map((run) => [run.owner.id, run.owner])).values()];
  await inBatches(owners, 10, async (owner) => {
    for (let offset = 0; ; offset += 100) {
      const page = await client.expect<{ items: Array<{ subjectId: string | null }> }>(200, 'GET', `/notifications?limit=100&offset=${offset}`, {
        token: owner.token,
      });
      for (const item of page.items) if (item.subjectId) counts.set(item.subjectId, (counts.get(item.subjectId) ?? 0) + 1);
      if (page.items.length < 100) return;
    }
  });
  return counts;
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}

function histogram(values: Array<string | number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

main().catch((error: unknown) => {
  console.error(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
