import { validateRecord } from '../../records';
import { fixtureLines } from './fixtures.command';

const scopes = { 'social.posts': ['timestamp', 'likes'], 'social.reactions': ['timestamp'] };

describe('fixtureLines', () => {
  it('gives the same bytes for the same scopes, count and seed, and other data for another seed', () => {
    const first = fixtureLines(scopes, 50, 3);
    expect(fixtureLines(scopes, 50, 3)).toBe(first);
    expect(fixtureLines(scopes, 50, 4)).not.toBe(first);
  });

  it('writes valid canonical records of the declared kinds only, each kind in time order', () => {
    const records = fixtureLines(scopes, 30, 1)
      .trim()
      .split('\n')
      .map((line) => {
        const check = validateRecord(line);
        if (!check.ok) throw new Error(check.reason);
        return check.record;
      });
    expect(records).toHaveLength(60);
    expect(new Set(records.map((record) => record.kind))).toEqual(new Set(['social.posts', 'social.reactions']));
    const posts = records.filter((record) => record.kind === 'social.posts').map((record) => record.timestamp);
    expect([...posts].sort()).toEqual(posts);
    // Weeks of activity, not one burst.
    expect(Date.parse(posts[posts.length - 1]!) - Date.parse(posts[0]!)).toBeGreaterThan(14 * 86_400_000);
  });

  it('writes nothing for zero records', () => {
    expect(fixtureLines(scopes, 0, 1)).toBe('');
  });
});
