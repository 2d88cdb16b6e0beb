// The files `lockbox init` writes: a small, complete analysis that builds, runs and passes its test as is.
import { BASE_IMAGE_TAG } from './docker-cli';

export interface ScaffoldOptions {
  /** The manifest name (the catalogue slug). */
  name: string;
  sdkVersion: string;
}

/** A directory name made into a valid analysis name: lowercase letters, digits and hyphens. */
export function analysisNameFrom(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return name.length >= 3 ? name : `my-analysis${name ? `-${name}` : ''}`;
}

export function scaffoldFiles(options: ScaffoldOptions): Record<string, string> {
  const { name, sdkVersion } = options;
  const manifest = {
    name,
    version: '0.1.0',
    title: 'Busiest hours',
    description: 'When your posts go out and which hours of the day earn the most likes.',
    category: 'social',
    price: 0,
    entrypoint: ['node', '/app/main.js'],
    scopes: { 'social.posts': ['timestamp', 'likes'] },
    params: {
      type: 'object',
      additionalProperties: false,
      properties: {
        top: { type: 'integer', minimum: 1, maximum: 24, default: 3, description: 'How many of the busiest hours to list' },
      },
    },
    resources: { memory: '128m', cpu: 0.5, timeout: 60, output: '1m' },
  };
  return {
    'lockbox.json': `${JSON.stringify(manifest, null, 2)}\n`,
    Dockerfile: `# Built offline by \`lockbox build\` (and run/pack): src/main.ts is bundled with esbuild into main.js
# beforehand, so the build context holds only main.js and nothing is fetched during docker build.
FROM ${BASE_IMAGE_TAG}
COPY main.js /app/main.js
`,
    'src/analysis.ts': `// The analysis' logic, kept apart from the container wiring in main.ts so it can be tested directly.
import { ResultBuilder, type ConsentedRecord } from '@lockbox/analysis-sdk';

export interface HourStats {
  posts: number;
  likes: number;
  /** Posts and likes per hour of the day (UTC), index 0..23. */
  byHour: { posts: number; likes: number }[];
}

/** Counts posts and likes per hour. Reads the records one at a time, so any dataset size fits in memory. */
export async function countByHour(posts: AsyncIterable<ConsentedRecord<'social.posts'>>): Promise<HourStats> {
  const stats: HourStats = { posts: 0, likes: 0, byHour: Array.from({ length: 24 }, () => ({ posts: 0, likes: 0 })) };
  for await (const post of posts) {
    // Only consented fields are present; a record without a timestamp cannot be placed in an hour.
    if (!post.timestamp) continue;
    const hour = new Date(post.timestamp).getUTCHours();
    const likes = post.likes ?? 0;
    stats.posts++;
    stats.likes += likes;
    stats.byHour[hour]!.posts++;
    stats.byHour[hour]!.likes += likes;
  }
  return stats;
}

/** The hours with the most likes per post (ties: the earlier hour), at most \`top\`. */
export function busiestHours(stats: HourStats, top: number): { hour: number; posts: number; likesPerPost: number }[] {
  return stats.byHour
    .map((entry, hour) => ({ hour, posts: entry.posts, likesPerPost: entry.posts ? Math.round((entry.likes / entry.posts) * 10) / 10 : 0 }))
    .filter((entry) => entry.posts > 0)
    .sort((a, b) => b.likesPerPost - a.likesPerPost || a.hour - b.hour)
    .slice(0, top);
}

export function report(stats: HourStats, top: number): ResultBuilder {
  const best = busiestHours(stats, top);
  const result = new ResultBuilder()
    .summary(stats.posts ? \`\${stats.posts} posts; most liked around \${best[0]!.hour}:00 UTC\` : 'No posts to analyse')
    .metric('Posts', stats.posts, 'posts')
    .metric('Likes', stats.likes, 'likes');
  if (stats.posts === 0) return result.markdown('The dataset has no posts with a timestamp.');
  return result
    .barChart({
      title: 'Posts by hour of day (UTC)',
      data: stats.byHour.map((entry, hour) => ({ hour, posts: entry.posts })),
      x: 'hour',
      y: 'posts',
    })
    .table(['hour (UTC)', 'posts', 'likes per post'], best.map((entry) => [entry.hour, entry.posts, entry.likesPerPost]));
}
`,
    'src/main.ts': `// The container's entry point: the SDK runtime reads /input, calls this function and writes a validated
// /output/result.json (or exits 1 with a clear message, writing nothing).
import { runAnalysis, type ParamsSchema } from '@lockbox/analysis-sdk';
import manifest from '../lockbox.json';
import { countByHour, report } from './analysis';

void runAnalysis(async (ctx) => {
  // The manifest is bundled in, so params are checked against the very schema that is submitted.
  const { top } = ctx.params<{ top: number }>(manifest.params as ParamsSchema);
  ctx.progress(0.1, 'Reading posts');
  const stats = await countByHour(ctx.records('social.posts'));
  ctx.progress(0.9, \`Read \${stats.posts} posts\`);
  return report(stats, top);
});
`,
    'src/analysis.test.ts': `// Run with \`lockbox test\` (node:test, bundled with esbuild first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsentedRecord } from '@lockbox/analysis-sdk';
import { busiestHours, countByHour, report } from './analysis';

async function* posts(...items: [string, number][]): AsyncGenerator<ConsentedRecord<'social.posts'>> {
  for (const [timestamp, likes] of items) yield { kind: 'social.posts', timestamp, likes };
}

test('counts posts and likes per UTC hour', async () => {
  const stats = await countByHour(posts(['2026-01-05T09:10:00Z', 4], ['2026-01-06T09:50:00Z', 2], ['2026-01-06T21:00:00Z', 9]));
  assert.equal(stats.posts, 3);
  assert.equal(stats.likes, 15);
  assert.deepEqual(stats.byHour[9], { posts: 2, likes: 6 });
  assert.deepEqual(stats.byHour[21], { posts: 1, likes: 9 });
  assert.deepEqual(busiestHours(stats, 1), [{ hour: 21, posts: 1, likesPerPost: 9 }]);
});

test('the result document passes the platform schema, also without posts', async () => {
  const doc = report(await countByHour(posts(['2026-01-05T09:10:00Z', 4])), 3).build();
  assert.equal(doc.summary, '1 posts; most liked around 9:00 UTC');
  assert.equal(report(await countByHour(posts()), 3).build().summary, 'No posts to analyse');
});
`,
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        description: manifest.description,
        scripts: {
          validate: 'lockbox validate',
          fixtures: 'lockbox fixtures',
          test: 'lockbox test',
          start: 'lockbox run --data fixtures/data.jsonl',
          pack: 'lockbox pack',
        },
        devDependencies: { '@lockbox/analysis-sdk': `^${sdkVersion}` },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          strict: true,
          esModuleInterop: true,
          resolveJsonModule: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
    '.gitignore': 'node_modules/\n*.lockbox.tar\n.lockbox/\n',
    'README.md': `# ${manifest.title}

A Lockbox analysis. The developer guide of the platform explains every step; in short:

\`\`\`sh
lockbox validate                              # the manifest, by the platform's rules
lockbox test                                  # the logic (src/*.test.ts)
lockbox fixtures                              # synthetic data in fixtures/data.jsonl
lockbox run --data fixtures/data.jsonl        # build the image and run it in the platform's sandbox
lockbox pack                                  # ${name}-0.1.0.lockbox.tar, the submission file
lockbox login --url <platform> --email <you>  # once
lockbox submit && lockbox status --watch
\`\`\`
`,
  };
}
