import { type ExactWeek, isoWeekLabel, publishWeek, roundCount, toStatsWeekView, type WeekOutcomeGroup, type WeekPolicy } from './weekly-figures';

const policy: WeekPolicy = { minPeople: 10, roundTo: 10, runsPerPerson: 1 };

/** Nine people whose runs succeeded in 1–10 s, plus one person's run as given. */
function crowdAnd(victim: Omit<WeekOutcomeGroup, 'runs'>): ExactWeek {
  return {
    people: 10,
    outcomes: [
      { status: 'succeeded', reason: null, bucket: 'from1to10s', runs: 9 },
      { ...victim, runs: 1 },
    ],
  };
}

describe('roundCount', () => {
  it('rounds to the nearest multiple, halves up', () => {
    expect([0, 1, 4, 5, 9, 10, 14, 15, 124].map((count) => roundCount(count, 10))).toEqual([0, 0, 0, 10, 10, 10, 10, 20, 120]);
    expect(roundCount(7, 5)).toBe(5);
  });
});

describe('publishWeek', () => {
  it('shows nothing for a week with one person fewer than the minimum, and figures from the minimum on', () => {
    const nine = publishWeek({ people: 9, outcomes: [{ status: 'succeeded', reason: null, bucket: 'under1s', runs: 40 }] }, policy);
    expect(nine).toEqual({ ...policy, enoughPeople: false });
    const ten = publishWeek({ people: 10, outcomes: [{ status: 'succeeded', reason: null, bucket: 'under1s', runs: 40 }] }, policy);
    expect(ten).toMatchObject({ enoughPeople: true, runs: 40, byStatus: { succeeded: 40, failed: 0 }, durations: { under1s: 40 } });
  });

  it("gives the same figures whether one person's run was fast or slow, succeeded or failed", () => {
    const fastSuccess = publishWeek(crowdAnd({ status: 'succeeded', reason: null, bucket: 'under1s' }), policy);
    const variants: Array<Omit<WeekOutcomeGroup, 'runs'>> = [
      { status: 'succeeded', reason: null, bucket: 'over60s' },
      { status: 'failed', reason: 'exit_code', bucket: 'under1s' },
      { status: 'failed', reason: 'oom', bucket: 'from10to60s' },
      { status: 'timed_out', reason: 'deadline', bucket: 'over60s' },
      { status: 'cancelled', reason: 'by_user', bucket: null },
      { status: 'running', reason: null, bucket: null },
    ];
    for (const victim of variants) expect(publishWeek(crowdAnd(victim), policy)).toEqual(fastSuccess);
    expect(fastSuccess).toEqual({
      ...policy,
      enoughPeople: true,
      runs: 10,
      byStatus: { succeeded: 10, failed: 0, timed_out: 0, cancelled: 0, unfinished: 0 },
      failureReasons: { other: 0 },
      durations: { under1s: 0, from1to10s: 10, from10to60s: 0, over60s: 0 },
    });
  });

  it('names a failure reason only when at least roundTo runs ended so, adding up the rest as other', () => {
    const week = publishWeek(
      {
        people: 40,
        outcomes: [
          { status: 'failed', reason: 'exit_code', bucket: 'under1s', runs: 12 },
          { status: 'failed', reason: 'oom', bucket: 'from1to10s', runs: 4 },
          { status: 'timed_out', reason: 'deadline', bucket: 'over60s', runs: 3 },
          { status: 'cancelled', reason: 'by_user', bucket: null, runs: 9 },
          { status: 'succeeded', reason: null, bucket: 'under1s', runs: 20 },
        ],
      },
      policy,
    );
    expect(week.failureReasons).toEqual({ exit_code: 10, other: 20 });
    expect(week.byStatus).toEqual({ succeeded: 20, failed: 20, timed_out: 0, cancelled: 10, unfinished: 0 });
    expect(week.durations).toEqual({ under1s: 30, from1to10s: 0, from10to60s: 0, over60s: 0 });
    expect(week.runs).toBe(50);
  });
});

describe('toStatsWeekView', () => {
  const publishedAt = new Date('2026-12-01T09:00:00.000Z');

  it('says only that too few people ran it when they did', () => {
    expect(toStatsWeekView('2026-11-23', publishedAt, { ...policy, enoughPeople: false })).toEqual({
      week: '2026-W48',
      startsOn: '2026-11-23',
      publishedAt: '2026-12-01T09:00:00.000Z',
      people: '<10',
    });
  });

  it('writes a stored week in one key order, whatever order the stored JSON came back in', () => {
    const figures = publishWeek(
      {
        people: 30,
        outcomes: [
          { status: 'failed', reason: 'oom', bucket: 'from1to10s', runs: 20 },
          { status: 'failed', reason: 'exit_code', bucket: 'under1s', runs: 30 },
        ],
      },
      policy,
    );
    const reordered = JSON.parse(JSON.stringify(figures, Object.keys(figures).reverse()));
    for (const key of ['byStatus', 'failureReasons', 'durations'] as const) {
      reordered[key] = Object.fromEntries(Object.entries(figures[key]!).reverse());
    }
    const view = JSON.stringify(toStatsWeekView('2026-11-23', publishedAt, figures));
    expect(JSON.stringify(toStatsWeekView('2026-11-23', publishedAt, reordered))).toBe(view);
    expect(view).toBe(
      '{"week":"2026-W48","startsOn":"2026-11-23","publishedAt":"2026-12-01T09:00:00.000Z","people":"≥10","runs":50,' +
        '"byStatus":{"succeeded":0,"failed":50,"timed_out":0,"cancelled":0,"unfinished":0},"failureReasons":{"exit_code":30,"oom":20,"other":0},' +
        '"durations":{"under1s":30,"from1to10s":20,"from10to60s":0,"over60s":0}}',
    );
  });
});

describe('isoWeekLabel', () => {
  it('names a Monday by its ISO week, whose year is that of its Thursday', () => {
    expect(isoWeekLabel('2026-11-23')).toBe('2026-W48');
    expect(isoWeekLabel('2021-01-04')).toBe('2021-W01');
    expect(isoWeekLabel('2020-12-28')).toBe('2020-W53');
    expect(isoWeekLabel('2026-12-28')).toBe('2026-W53');
    expect(isoWeekLabel('2024-12-30')).toBe('2025-W01');
  });
});
