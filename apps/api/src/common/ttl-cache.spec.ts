import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  it('answers within the time to live, and not after it', () => {
    const cache = new TtlCache<string>(2_000, 10);
    cache.set('a', 'alice', 1_000);
    expect(cache.get('a', 2_999)).toBe('alice');
    expect(cache.get('a', 3_000)).toBeUndefined();
    expect(cache.get('a', 2_000)).toBeUndefined(); // the expired entry is gone for good
  });

  it('keeps nothing when its time to live is 0', () => {
    const cache = new TtlCache<string>(0, 10);
    cache.set('a', 'alice', 1_000);
    expect(cache.get('a', 1_000)).toBeUndefined();
  });

  it('drops the entry stored longest ago when full, counting a stored-again key as new', () => {
    const cache = new TtlCache<string>(60_000, 2);
    cache.set('a', 'alice', 0);
    cache.set('b', 'bob', 1);
    cache.set('a', 'alice again', 2);
    cache.set('c', 'carol', 3);
    expect(cache.get('b', 4)).toBeUndefined();
    expect(cache.get('a', 4)).toBe('alice again');
    expect(cache.get('c', 4)).toBe('carol');
  });

  it('forgets on delete and clear', () => {
    const cache = new TtlCache<string>(60_000, 10);
    cache.set('a', 'alice', 0);
    cache.set('b', 'bob', 0);
    cache.delete('a');
    expect(cache.get('a', 1)).toBeUndefined();
    cache.clear();
    expect(cache.get('b', 1)).toBeUndefined();
  });
});
