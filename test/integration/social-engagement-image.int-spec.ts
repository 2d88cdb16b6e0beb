// The sample analysis as the platform will run it: built by its own script into an image, run under
// the hardened container settings on staged input, and its result.json checked with the SDK's validator.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { MAX_RESULT_BYTES, parseByteSize, projectRecord, validateResult, type ResultDocument, type SocialPost } from '@lockbox/analysis-sdk';
import { dockerClientFor } from '@lockbox/sandbox';
import manifest from '../../sample-analyses/social-engagement/lockbox.json';

jest.setTimeout(120_000);

const sampleDir = resolve(__dirname, '../../sample-analyses/social-engagement');
const fixtureLines = readFileSync(join(sampleDir, 'fixtures/posts.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
const fixture = fixtureLines.map((line) => JSON.parse(line) as SocialPost);

/** Splits Docker's multiplexed log stream (8-byte frame headers; no TTY) into stdout and stderr. */
function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Record<number, Buffer[]> = { 1: [], 2: [] };
  for (let offset = 0; offset + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(offset + 4);
    out[buffer[offset]!]?.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out[1]!).toString('utf8'), stderr: Buffer.concat(out[2]!).toString('utf8') };
}

describe('the social-engagement image', () => {
  const docker = dockerClientFor(process.env.DOCKER_HOST);
  let imageId: string;
  let work: string;

  beforeAll(() => {
    // Run from another directory: the script must find everything from its own location.
    imageId = execFileSync(join(sampleDir, 'build.sh'), { cwd: tmpdir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    work = mkdtempSync(join(tmpdir(), 'lockbox-social-engagement-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Stages /input as the worker does (only consented fields), runs the image hardened, returns what it left. */
  async function run(name: string, params: Record<string, unknown>) {
    const input = join(work, name, 'input');
    const output = join(work, name, 'output');
    mkdirSync(join(input, 'data'), { recursive: true });
    mkdirSync(output);
    const fields = manifest.scopes['social.posts'];
    const staged = fixture.map((post) => JSON.stringify(projectRecord(post, fields)));
    writeFileSync(join(input, 'data', 'social.posts.jsonl'), `${staged.join('\n')}\n`);
    writeFileSync(join(input, 'run.json'), JSON.stringify({ runId: `it-${name}`, analysis: manifest.name, version: manifest.version, params, scopes: manifest.scopes }));
    // The container runs as 10001, which owns neither directory.
    for (const dir of [join(work, name), input, join(input, 'data')]) chmodSync(dir, 0o755);
    chmodSync(output, 0o777);

    const memory = parseByteSize(manifest.resources.memory);
    let container: Docker.Container | undefined;
    try {
      container = await docker.createContainer({
        Image: imageId,
        Entrypoint: manifest.entrypoint,
        Cmd: [],
        User: '10001:10001',
        NetworkDisabled: true,
        Labels: { 'lockbox.test': 'social-engagement-image' },
        HostConfig: {
          NetworkMode: 'none',
          ReadonlyRootfs: true,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          Tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=64m' },
          Binds: [`${input}:/input:ro`, `${output}:/output`],
          Memory: memory,
          MemorySwap: memory,
          NanoCpus: Math.round(manifest.resources.cpu * 1e9),
        },
      });
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      const logs = demux((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer);
      return { exitCode: StatusCode, ...logs, resultPath: join(output, 'result.json') };
    } finally {
      await container?.remove({ force: true }).catch(() => undefined);
    }
  }

  it('is tagged and built on the local base image', async () => {
    expect(imageId).toMatch(/^sha256:[a-f0-9]{64}$/);
    const image = await docker.getImage('lockbox-sample/social-engagement:1.0.0').inspect();
    expect(image.Id).toBe(imageId);
    expect(image.Config.User).toBe('10001:10001');
  });

  it('writes a valid result with the right numbers for the fixture', async () => {
    const { exitCode, stderr, resultPath } = await run('fixture', {});
    expect({ exitCode, stderr }).toMatchObject({ exitCode: 0 });
    expect(stderr).toContain('{"progress":1,"message":"Result written"}\n');
    expect(lstatSync(resultPath).isFile()).toBe(true);
    const bytes = readFileSync(resultPath);
    expect(bytes.length).toBeLessThan(MAX_RESULT_BYTES);
    const doc = JSON.parse(bytes.toString('utf8')) as ResultDocument;
    expect(validateResult(doc)).toEqual({ ok: true, result: doc });

    // Headline numbers, computed here independently from the fixture.
    const engagement = fixture.reduce((sum, post) => sum + (post.likes ?? 0) + (post.comments ?? 0) + (post.shares ?? 0), 0);
    const metric = (label: string) => doc.blocks.find((block) => block.type === 'metric' && block.label === label);
    expect(metric('Posts')).toMatchObject({ value: fixture.length });
    expect(metric('Total likes')).toMatchObject({ value: fixture.reduce((sum, post) => sum + (post.likes ?? 0), 0) });
    expect(doc.summary).toContain(`${fixture.length} posts, ${engagement.toLocaleString('en-US')} engagements`);
  });

  it('exits 1 naming the bad parameter, and writes no result', async () => {
    const { exitCode, stderr, resultPath } = await run('bad-params', { timezoneOffsetMinutes: 9999 });
    expect(exitCode).toBe(1);
    expect(stderr).toContain('Analysis failed: Invalid run parameters:\n  - params.timezoneOffsetMinutes must be <= 840');
    expect(existsSync(resultPath)).toBe(false);
  });
});
