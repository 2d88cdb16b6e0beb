import { type RunViewRow, toRunView } from './run.view';

const row = (overrides: Partial<RunViewRow>): RunViewRow => ({
  id: 'run-1',
  status: 'queued',
  reason: null,
  message: null,
  slug: 'social-engagement',
  title: 'Social engagement',
  version: '1.0.0',
  dataset_ids: ['dataset-1'],
  params: {},
  queued_at: new Date('2026-01-01T00:00:00Z'),
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
  created_at: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});

describe('toRunView', () => {
  it("lists a run's artifacts without their storage keys", () => {
    const artifacts = [{ name: 'charts/week.svg', key: 'runs/u/r/attempt-1/artifacts/charts/week.svg', bytes: 120, contentType: 'image/svg+xml' }];
    expect(toRunView(row({ status: 'succeeded', artifacts })).artifacts).toEqual([{ name: 'charts/week.svg', bytes: 120, contentType: 'image/svg+xml' }]);
  });

  it('shows a queued run its place in the queue', () => {
    const view = toRunView(row({ status: 'queued' }), 3);
    expect(view.queuePosition).toBe(3);
    expect(view.runningForSeconds).toBeNull();
  });

  it('shows a running run how long it has run and its last progress message', () => {
    const view = toRunView(
      row({ status: 'running', started_at: new Date('2026-01-01T00:00:05Z'), running_for_seconds: 42, progress: 0.5, progress_message: 'halfway' }),
      7,
    );
    expect(view).toMatchObject({
      queuePosition: null,
      runningForSeconds: 42,
      progress: 0.5,
      progressMessage: 'halfway',
      startedAt: '2026-01-01T00:00:05.000Z',
    });
  });
});
