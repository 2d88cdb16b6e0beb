// The reference every platform figure is compared with: the same image run bare through dockerode with
// exactly the container settings of the policy (buildContainerPolicy), a per-run size-capped output mount
// and an input directory staged once beforehand. create → start → wait → read result → remove.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { buildContainerPolicy, DEFAULT_CONTAINER_USER, type PlatformLimits, parseResources } from '@lockbox/analysis-sdk';
import { createOutputArea } from '@lockbox/analysis-sdk/sandbox';
import { BENCH_ENTRYPOINT, BENCH_RESOURCES } from './bench-analysis';

export class BareLifecycle {
  private inputDir!: string;

  private constructor(
    private readonly docker: Docker,
    private readonly imageId: string,
    private readonly limits: PlatformLimits,
    private readonly workDir: string,
  ) {}

  /** Stages one input (run.json and a few posts) that every bare run mounts read-only. */
  static async prepare(docker: Docker, imageId: string, limits: PlatformLimits, parentDir: string, posts: Buffer): Promise<BareLifecycle> {
    await mkdir(parentDir, { recursive: true });
    const bare = new BareLifecycle(docker, imageId, limits, await mkdtemp(join(parentDir, 'bare-')));
    bare.inputDir = join(bare.workDir, 'input');
    await mkdir(join(bare.inputDir, 'data'), { recursive: true });
    await writeFile(join(bare.inputDir, 'run.json'), JSON.stringify({ runId: 'bare', analysis: 'bench', version: '1.0.0', params: {}, scopes: {} }));
    await writeFile(join(bare.inputDir, 'data', 'social.posts.jsonl'), posts);
    for (const path of [bare.inputDir, join(bare.inputDir, 'data')]) await chmod(path, 0o755);
    for (const path of ['run.json', 'data/social.posts.jsonl']) await chmod(join(bare.inputDir, path), 0o644);
    return bare;
  }

  /** One run; its wall time in ms. */
  async runOnce(): Promise<number> {
    const startedAt = performance.now();
    const resources = parseResources(BENCH_RESOURCES);
    const [uid, gid] = DEFAULT_CONTAINER_USER.split(':').map(Number) as [number, number];
    const area = await createOutputArea(this.workDir, { sizeBytes: resources.outputBytes, uid, gid, maxFiles: this.limits.runOutputMaxFiles });
    try {
      const container = await this.docker.createContainer(
        buildContainerPolicy({
          image: this.imageId,
          entrypoint: BENCH_ENTRYPOINT,
          resources,
          limits: this.limits,
          runtime: 'runc',
          user: DEFAULT_CONTAINER_USER,
          inputHostPath: this.inputDir,
          outputHostPath: area.path,
          env: {},
          labels: { instance: 'bench-bare', runId: randomUUID(), attempt: 1, workerId: 'bench', deadline: new Date(Date.now() + 60_000) },
        }),
      );
      try {
        await container.start();
        const { StatusCode } = (await container.wait()) as { StatusCode: number };
        if (StatusCode !== 0) throw new Error(`the bare run exited with ${StatusCode}`);
        JSON.parse(await readFile(join(area.path, 'result.json'), 'utf8'));
      } finally {
        await container.remove({ force: true });
      }
    } finally {
      await area.dispose();
    }
    return performance.now() - startedAt;
  }

  /** `count` runs, `concurrency` at a time: the wall time of the batch and each run's time. */
  async batch(count: number, concurrency: number): Promise<{ wallMs: number; runMs: number[] }> {
    const runMs: number[] = [];
    let next = 0;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          next++;
          runMs.push(await this.runOnce());
        }
      }),
    );
    return { wallMs: performance.now() - startedAt, runMs };
  }

  async dispose(): Promise<void> {
    await rm(this.workDir, { recursive: true, force: true });
  }
}
