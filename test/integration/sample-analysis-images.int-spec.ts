// The sample analyses as the platform will run them: each built by its own script into an image, run
// under the hardened container settings on its staged fixture (only the consented fields), and its
// result.json checked with the SDK's validator and against numbers computed here from the fixture.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { MAX_RESULT_BYTES, parseByteSize, projectRecord, validateResult, type Manifest, type ResultDocument, type SocialPost } from '@lockbox/analysis-sdk';
import { dockerClientFor } from '@lockbox/sandbox';

jest.setTimeout(180_000);

const samplesDir = resolve(__dirname, '../../sample-analyses');

/** Splits Docker's multiplexed log stream (8-byte frame headers; no TTY) into stdout and stderr. */
function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Record<number, Buffer[]> = { 1: [], 2: [] };
  for (let offset = 0; offset + 8 <= buffer.length;) {
    const size = buffer.readUInt32BE(offset + 4);
    out[buffer[offset]!]?.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out[1]!).toString('utf8'), stderr: Buffer.concat(out[2]!).toString('utf8') };
}

const metric = (doc: ResultDocument, label: string) => doc.blocks.find((block) => block.type === 'metric' && block.label === label);
const plainWords = (posts: SocialPost[]) =>
  posts.flatMap((post) =>
    (post.text ?? '')
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter((word) => word !== ''),
  );

interface SampleCase {
  name: string;
  /** Headline numbers, computed here independently from the fixture. */
  check(doc: ResultDocument, fixture: SocialPost[]): void;
  badParams: Record<string, unknown>;
  badParamsMessage: string;
}

const SAMPLES: SampleCase[] = [
  {
    name: 'social-engagement',
    check(doc, fixture) {
      const engagement = fixture.reduce((sum, post) => sum + (post.likes ?? 0) + (post.comments ?? 0) + (post.shares ?? 0), 0);
      expect(metric(doc, 'Posts')).toMatchObject({ value: fixture.length });
      expect(metric(doc, 'Total likes')).toMatchObject({ value: fixture.reduce((sum, post) => sum + (post.likes ?? 0), 0) });
      expect(doc.summary).toContain(`${fixture.length} posts, ${engagement.toLocaleString('en-US')} engagements`);
    },
    badParams: { timezoneOffsetMinutes: 9999 },
    badParamsMessage: 'params.timezoneOffsetMinutes must be <= 840',
  },
  {
    name: 'writing-patterns',
    check(doc, fixture) {
      // The fixture has no mentions, links or apostrophes in words other than plain letters, except
      // the @names and one URL the analysis leaves out; strip those the same simple way here.
      const cleaned = fixture.map((post) => ({ ...post, text: post.text?.replace(/https?:\/\/\S+/g, ' ').replace(/@\S+/g, ' ') }));
      expect(metric(doc, 'Words')).toMatchObject({ value: plainWords(cleaned).length });
      expect(doc.blocks.some((block) => block.type === 'wordcloud' && block.words.length > 0)).toBe(true);
    },
    badParams: { topN: 1 },
    badParamsMessage: 'params.topN must be >= 5',
  },
  {
    name: 'personality-traits',
    check(doc, fixture) {
      const words = plainWords(fixture);
      expect(doc.summary).toContain(`${words.length.toLocaleString('en-US')} words`);
      const grateful = words.filter((word) => word === 'grateful').length;
      expect(grateful).toBeGreaterThan(0);
      const table = doc.blocks.find((block) => block.type === 'table');
      expect(JSON.stringify(table)).toContain(`grateful (${grateful})`);
    },
    badParams: { unexpected: true },
    badParamsMessage: 'params.unexpected is not allowed (unknown field)',
  },
];

describe.each(SAMPLES)('the $name image', (sample) => {
  const sampleDir = join(samplesDir, sample.name);
  const manifest = JSON.parse(readFileSync(join(sampleDir, 'lockbox.json'), 'utf8')) as Manifest;
  const fixture = readFileSync(join(sampleDir, 'fixtures/posts.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as SocialPost);
  const docker = dockerClientFor(process.env.DOCKER_HOST);
  let imageId: string;
  let work: string;

  beforeAll(() => {
    // Run from another directory: the script must find everything from its own location.
    imageId = execFileSync(join(sampleDir, 'build.sh'), { cwd: tmpdir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    work = mkdtempSync(join(tmpdir(), `lockbox-${sample.name}-`));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Stages /input as the worker does (only consented fields), runs the image hardened, returns what it left. */
  async function run(name: string, params: Record<string, unknown>) {
    const input = join(work, name, 'input');
    const output = join(work, name, 'output');
    mkdirSync(join(input, 'data'), { recursive: true });
    mkdirSync(output);
    const fields = manifest.scopes['social.posts']!;
    const staged = fixture.map((post) => JSON.stringify(projectRecord(post, fields)));
    writeFileSync(join(input, 'data', 'social.posts.jsonl'), `${staged.join('\n')}\n`);
    writeFileSync(
      join(input, 'run.json'),
      JSON.stringify({ runId: `it-${name}`, analysis: manifest.name, version: manifest.version, params, scopes: manifest.scopes }),
    );
    // The container runs as 10001, which owns neither directory.
    for (const dir of [join(work, name), input, join(input, 'data')]) chmodSync(dir, 0o755);
    chmodSync(output, 0o777);

    const memory = parseByteSize(manifest.resources.memory);
    let container: Docker.Container | undefined;
    try {
      container = await docker.createContainer({
        Image: imageId,
        Entrypoint: [...manifest.entrypoint],
        Cmd: [],
        User: '10001:10001',
        NetworkDisabled: true,
        Labels: { 'lockbox.test': 'sample-analysis-images' },
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
    const image = await docker.getImage(`lockbox-sample/${sample.name}:${manifest.version}`).inspect();
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
    sample.check(doc, fixture);
  });

  it('exits 1 naming the bad parameter, and writes no result', async () => {
    const { exitCode, stderr, resultPath } = await run('bad-params', sample.badParams);
    expect(exitCode).toBe(1);
    expect(stderr).toContain(`Analysis failed: Invalid run parameters:\n  - ${sample.badParamsMessage}`);
    expect(existsSync(resultPath)).toBe(false);
  });
});
