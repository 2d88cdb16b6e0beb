import type { DataSource } from 'typeorm';
import type { LockboxConfig } from '@lockbox/config';
import type { PlatformEventsService } from '@lockbox/events';
import type { OutboxService } from '@lockbox/outbox';
import type { ObjectStorageRepository } from '@lockbox/storage';
import { isConsentScopesShape } from './dto/create-run.dto';
import { QUEUE_POSITIONS_SQL, RUN_PAGE_SQL, type RunViewRow } from './run.view';
import { describeScopes, pickPublishedVersion, RunsService } from './runs.service';

describe('run requests', () => {
  it('picks the highest published version in semver order, not text order', () => {
    const versions = [
      { version: '1.10.0', status: 'published' as const },
      { version: '1.9.0', status: 'published' as const },
      { version: '2.0.0', status: 'awaiting_review' as const },
      { version: '1.10.1-beta.1', status: 'published' as const },
    ];
    expect(pickPublishedVersion(versions)).toBe(3);
    expect(pickPublishedVersion(versions.slice(0, 3))).toBe(0);
    expect(pickPublishedVersion(versions, '1.9.0')).toBe(1);
    expect(pickPublishedVersion(versions, '2.0.0')).toBe(-1);
    expect(pickPublishedVersion([])).toBe(-1);
  });

  it('describes the scopes a consent must grant', () => {
    expect(describeScopes({ 'social.posts': ['timestamp', 'likes'], 'social.reactions': ['reaction'] })).toBe(
      'social.posts: timestamp, likes; social.reactions: reaction',
    );
  });

  it('accepts only kind → field-list objects as consent scopes', () => {
    expect(isConsentScopesShape({ 'social.posts': ['timestamp'] })).toBe(true);
    expect(isConsentScopesShape({})).toBe(true);
    expect(isConsentScopesShape(['social.posts'])).toBe(false);
    expect(isConsentScopesShape({ 'social.posts': 'timestamp' })).toBe(false);
    expect(isConsentScopesShape({ 'social.posts': [1] })).toBe(false);
    expect(isConsentScopesShape(null)).toBe(false);
  });
});

describe('GET /runs', () => {
  function queuedRow(n: number): RunViewRow {
    return {
      id: `run-${n}`,
      status: n % 2 === 0 ? 'queued' : 'succeeded',
      reason: null,
      message: null,
      slug: 'sample',
      title: 'Sample',
      version: '1.0.0',
      dataset_ids: [],
      params: {},
      queued_at: new Date(2026, 0, 1, 0, 0, n),
      started_at: null,
      running_for_seconds: null,
      finished_at: null,
      container_ms: null,
      attempts: 0,
      progress: null,
      progress_message: null,
      cancel_requested_at: null,
      result_summary: null,
      result_key: null,
      log_key: null,
      artifacts: [],
      consent_scopes: null,
      consent_image_id: null,
      consent_granted_at: null,
      created_at: new Date(2026, 0, 1),
    };
  }

  it.each([1, 100])('answers a page of %i runs in three queries, the queue positions of all its queued runs in one', async (size) => {
    const rows = Array.from({ length: size }, (_, n) => queuedRow(n));
    const queries: Array<{ sql: string; parameters: unknown[] }> = [];
    const dataSource = {
      query: async (sql: string, parameters: unknown[]) => {
        queries.push({ sql, parameters });
        if (sql === RUN_PAGE_SQL) return rows;
        if (sql === QUEUE_POSITIONS_SQL) return (parameters[0] as string[]).map((id, position) => ({ id, position: position + 10 }));
        return [{ total: size }];
      },
    } as unknown as DataSource;
    const service = new RunsService({} as LockboxConfig, dataSource, {} as OutboxService, {} as PlatformEventsService, {} as ObjectStorageRepository);

    const { items, total } = await service.list('user-1', 0, size);
    expect(total).toBe(size);
    expect(queries).toHaveLength(3);
    const queued = rows.filter((row) => row.status === 'queued').map((row) => row.id);
    expect(queries.find((query) => query.sql === QUEUE_POSITIONS_SQL)?.parameters).toEqual([queued]);
    expect(items.filter((item) => item.status === 'queued').map((item) => item.queuePosition)).toEqual(queued.map((_, position) => position + 10));
    expect(items.filter((item) => item.status !== 'queued').every((item) => item.queuePosition === null)).toBe(true);
  });
});
