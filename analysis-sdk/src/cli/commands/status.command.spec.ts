import type { SubmissionView } from '../../client';
import { describeSubmission } from './status.command';

const base: SubmissionView = { id: 'a1', status: 'check_failed', analysis: 'busy-hours', version: '0.1.0', imageId: 'sha256:abc' };

describe('describeSubmission', () => {
  it('shows the check steps, the size and every failed rule with its reason', () => {
    const text = describeSubmission({
      ...base,
      checkReport: {
        passed: false,
        imageBytes: 104_857_600,
        layers: 2,
        layout: 'docker-archive-links',
        steps: [
          { name: 'intake', outcome: 'passed' },
          { name: 'smoke_run', outcome: 'failed' },
        ],
        violations: [{ rule: 'smoke_run', message: 'the smoke run wrote an invalid result: blocks[0].type is unknown' }],
        notes: [],
        smokeRun: {
          status: 'failed',
          reason: 'output_invalid',
          message: 'blocks[0].type is unknown',
          containerMs: 600,
          records: { 'social.posts': 200 },
          logTail: 'boom\n',
        },
      },
    });
    expect(text).toContain('busy-hours 0.1.0  check_failed');
    expect(text).toContain('100 MiB uploaded, 2 layers');
    expect(text).toContain('layout:     docker-archive-links');
    expect(text).toContain('failed  smoke_run');
    expect(text).toContain('FAILED smoke_run: the smoke run wrote an invalid result');
    expect(text).toContain('smoke run:  failed (output_invalid), 0.6 s, on 200 social.posts');
    expect(text).toContain('    boom');
  });

  it('says what comes next while checking and when awaiting review, and shows a rejection reason', () => {
    expect(describeSubmission({ ...base, status: 'checking', checkReport: null })).toContain('the automated checks are running');
    expect(describeSubmission({ ...base, status: 'awaiting_review' })).toContain('an admin reviews it next');
    expect(describeSubmission({ ...base, status: 'rejected', reviewReason: 'reads more than it needs' })).toContain('review:     reads more than it needs');
  });
});
