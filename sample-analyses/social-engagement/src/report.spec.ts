import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParamsValidationError, checkParams, validateManifest, validateResult, type ParamsSchema, type SocialPost } from '@lockbox/analysis-sdk';
import manifest from '../lockbox.json';
import { computeEngagement } from './engagement';
import { engagementReport, zoneLabel } from './report';

const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'posts.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as SocialPost);

describe('lockbox.json', () => {
  it('is a valid manifest with the agreed name, scopes and resources', () => {
    const validation = validateManifest(manifest);
    expect(validation).toEqual({ ok: true, manifest });
    expect(manifest).toMatchObject({
      name: 'social-engagement',
      version: '1.0.0',
      category: 'social',
      price: 0,
      entrypoint: ['node', '/app/main.js'],
      scopes: { 'social.posts': ['timestamp', 'type', 'likes', 'comments', 'shares'] },
      resources: { memory: '256m', cpu: 0.5, timeout: 60, output: '16m' },
    });
  });

  it('defaults timezoneOffsetMinutes to 0 and rejects offsets outside -720..840', () => {
    const schema = manifest.params as ParamsSchema;
    expect(checkParams({}, schema)).toEqual({ timezoneOffsetMinutes: 0 });
    expect(checkParams({ timezoneOffsetMinutes: -720 }, schema)).toEqual({ timezoneOffsetMinutes: -720 });
    expect(() => checkParams({ timezoneOffsetMinutes: 841 }, schema)).toThrow(ParamsValidationError);
    expect(() => checkParams({ timezoneOffsetMinutes: 1.5 }, schema)).toThrow(/must be an integer/);
  });
});

describe('engagementReport', () => {
  it('builds a valid result for the fixture, with the metrics, table and three charts', async () => {
    const stats = await computeEngagement(fixture);
    const doc = engagementReport(stats).build();
    expect(validateResult(doc).ok).toBe(true);
    expect(doc.summary).toMatch(/^200 posts, [\d,]+ engagements \([\d.]+ per post\); best hour \d\d:00 UTC, best day [A-Z][a-z]+day\.$/);
    const metrics = Object.fromEntries(doc.blocks.flatMap((block) => (block.type === 'metric' ? [[block.label, block.value]] : [])));
    expect(metrics).toMatchObject({
      Posts: 200,
      'Total likes': stats.totals.likes,
      'Total comments': stats.totals.comments,
      'Total shares': stats.totals.shares,
    });
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining([expect.stringMatching(/^Best hour: /), expect.stringMatching(/^Best day: /)]));
    const table = doc.blocks.find((block) => block.type === 'table');
    expect(table).toMatchObject({ columns: ['Hour (UTC)', 'Posts', 'Engagement', 'Average per post'] });
    expect(table && 'rows' in table ? table.rows : []).toHaveLength(24);
    expect(doc.blocks.filter((block) => block.type === 'chart').map((block) => ('title' in block ? block.title : ''))).toEqual([
      'Engagement by hour of day',
      'Engagement by day of week',
      'Engagement by type of post',
    ]);
  });

  it('says which clock it uses', async () => {
    const doc = engagementReport(await computeEngagement(fixture, { timezoneOffsetMinutes: 330 })).build();
    expect(doc.summary).toContain('UTC+05:30');
    expect([zoneLabel(0), zoneLabel(-90), zoneLabel(840)]).toEqual(['UTC', 'UTC-01:30', 'UTC+14:00']);
  });

  it('builds a valid result for no posts and for one post', async () => {
    const empty = engagementReport(await computeEngagement([])).build();
    expect(validateResult(empty).ok).toBe(true);
    expect(empty.summary).toBe('No posts to analyse: the dataset has no social.posts records with a timestamp.');

    const one = engagementReport(await computeEngagement([{ kind: 'social.posts', timestamp: '2026-01-05T08:00:00Z', type: 'post', likes: 1 }])).build();
    expect(validateResult(one).ok).toBe(true);
    expect(one.summary).toBe('1 post, 1 engagement (1 per post); best hour 08:00 UTC, best day Monday.');
  });
});
