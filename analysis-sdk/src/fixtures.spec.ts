import { generateFixtures } from './fixtures';
import { RECORD_KIND_NAMES, validateRecord } from './records';

describe('generateFixtures', () => {
  const scopes = { 'social.posts': ['text'], 'social.reactions': ['reaction'], 'not.a.kind': ['x'] };

  it('gives valid canonical records of each declared kind, in timestamp order', () => {
    const set = generateFixtures(scopes, { records: 50, seed: 7 });
    expect(Object.keys(set)).toEqual(['social.posts', 'social.reactions']);
    for (const records of Object.values(set)) {
      expect(records).toHaveLength(50);
      for (const record of records) expect(validateRecord(record)).toMatchObject({ ok: true });
      const times = records.map((record) => record.timestamp);
      expect([...times].sort()).toEqual(times);
    }
    // Every field is set, so any consent can be projected from it.
    expect(set['social.posts']!.every((post) => typeof post.text === 'string' && typeof post.likes === 'number')).toBe(true);
  });

  it('is deterministic per seed, and a kind does not depend on the others declared', () => {
    expect(generateFixtures(scopes, { records: 20, seed: 1 })).toEqual(generateFixtures(scopes, { records: 20, seed: 1 }));
    expect(generateFixtures(scopes, { records: 20, seed: 1 })).not.toEqual(generateFixtures(scopes, { records: 20, seed: 2 }));
    const alone = generateFixtures({ 'social.posts': ['text'] }, { records: 20, seed: 1 });
    expect(alone['social.posts']).toEqual(generateFixtures(scopes, { records: 20, seed: 1 })['social.posts']);
  });

  it('covers every record kind', () => {
    const all = generateFixtures(Object.fromEntries(RECORD_KIND_NAMES.map((kind) => [kind, []])), { records: 5, seed: 3 });
    for (const kind of RECORD_KIND_NAMES) {
      expect(all[kind]).toHaveLength(5);
      for (const record of all[kind]!) expect(validateRecord(record)).toMatchObject({ ok: true });
    }
  });

  it("gives the social kinds native ids in their platform's shape, from a stream of their own", () => {
    const posts = generateFixtures({ 'social.posts': [] }, { records: 300, seed: 5 })['social.posts']!;
    for (const post of posts) {
      const shape =
        { x: /^1\d{18}$/, reddit: /^[0-9a-z]{7}$/, instagram: /^[A-Za-z0-9_-]{11}$/, facebook: /^10\d{14}$/ }[post.platform as 'x'] ?? /^[0-9a-f]{12}$/;
      expect(post.id).toMatch(shape);
    }
    expect(new Set(posts.map((post) => post.id)).size).toBe(300);
  });

  it('writes realistic watch history: YouTube links whose id is the video id, and a few removed videos without a title', () => {
    const watches = generateFixtures({ 'media.watch': [] }, { records: 600, seed: 2 })['media.watch']!;
    const removed = watches.filter((watch) => watch.removed);
    expect(removed.length).toBeGreaterThan(5);
    expect(removed.length).toBeLessThan(60);
    for (const watch of removed) expect(watch).toEqual({ kind: 'media.watch', timestamp: watch.timestamp, platform: 'youtube', removed: true });
    for (const watch of watches.filter((one) => !one.removed)) {
      expect(watch.url).toBe(`https://www.youtube.com/watch?v=${watch.id}`);
      expect(watch.id).toMatch(/^[A-Za-z0-9_-]{11}$/);
      expect(typeof watch.title).toBe('string');
      expect(typeof watch.channel).toBe('string');
    }
  });

  it('writes searches on Google and YouTube', () => {
    const searches = generateFixtures({ 'search.queries': [] }, { records: 200, seed: 2 })['search.queries']!;
    expect(new Set(searches.map((search) => search.platform))).toEqual(new Set(['google', 'youtube']));
    expect(searches.every((search) => search.query.length > 0)).toBe(true);
  });

  it("writes a person's points and visits around a few places, at the seven decimals Google keeps", () => {
    const set = generateFixtures({ 'location.points': [], 'location.visits': [] }, { records: 400, seed: 9 });
    const points = set['location.points']!;
    const visits = set['location.visits']!;
    for (const point of points) {
      expect(point.latitude).toBeGreaterThan(56.1);
      expect(point.latitude).toBeLessThan(56.2);
      expect(String(point.latitude).split('.')[1]?.length ?? 0).toBeLessThanOrEqual(7);
      expect(point.accuracy).toBeGreaterThanOrEqual(4);
    }
    // Most points are at home or work, so a coarse grid has few busy cells.
    const cells = new Map<string, number>();
    for (const point of points)
      cells.set(
        `${point.latitude.toFixed(2)},${point.longitude.toFixed(2)}`,
        (cells.get(`${point.latitude.toFixed(2)},${point.longitude.toFixed(2)}`) ?? 0) + 1,
      );
    expect(Math.max(...cells.values())).toBeGreaterThan(points.length / 4);
    const home = visits.filter((visit) => visit.semanticType === 'home');
    expect(home.length).toBeGreaterThan(100);
    expect(home.every((visit) => visit.placeName === undefined && visit.placeId === undefined)).toBe(true);
    const named = visits.filter((visit) => visit.placeName !== undefined);
    expect(named.every((visit) => /^ChIJ[0-9a-z]{7}Lbx[0-9a-z]{7}$/.test(visit.placeId!))).toBe(true);
    expect(visits.every((visit) => visit.durationSeconds! > 0)).toBe(true);
  });

  it('refuses a bad count or seed', () => {
    expect(() => generateFixtures(scopes, { records: -1, seed: 1 })).toThrow(RangeError);
    expect(() => generateFixtures(scopes, { records: 1.5, seed: 1 })).toThrow(RangeError);
    expect(() => generateFixtures(scopes, { records: 1, seed: 0.5 })).toThrow(RangeError);
  });
});
