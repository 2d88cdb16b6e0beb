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

  it('refuses a bad count or seed', () => {
    expect(() => generateFixtures(scopes, { records: -1, seed: 1 })).toThrow(RangeError);
    expect(() => generateFixtures(scopes, { records: 1.5, seed: 1 })).toThrow(RangeError);
    expect(() => generateFixtures(scopes, { records: 1, seed: 0.5 })).toThrow(RangeError);
  });
});
