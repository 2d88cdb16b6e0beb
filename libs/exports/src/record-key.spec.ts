import type { CanonicalRecord } from '@lockbox/analysis-sdk';
import { recordKey } from './record-key';

describe('recordKey', () => {
  const tweet: CanonicalRecord = {
    kind: 'social.posts',
    timestamp: '2020-06-06T13:02:35Z',
    platform: 'x',
    type: 'post',
    text: 'hej',
    likes: 1,
    id: '1269000000000000001',
  };

  it('keys a record with a native id by kind, platform and id: new counts or text do not make it another record', () => {
    const key = recordKey(tweet);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(recordKey({ ...tweet, likes: 99, text: 'edited' })).toBe(key);
    expect(recordKey({ ...tweet, platform: 'reddit' })).not.toBe(key);
    expect(recordKey({ kind: 'social.comments', timestamp: tweet.timestamp, platform: 'x', id: tweet.id })).not.toBe(key);
  });

  it('keys reactions by what they react to and how: a vote and a save of one post are two reactions', () => {
    const upvote: CanonicalRecord = { kind: 'social.reactions', platform: 'reddit', reaction: 'upvote', id: '1aaa01' };
    expect(recordKey(upvote)).toBe(recordKey({ ...upvote }));
    expect(recordKey({ ...upvote, reaction: 'save' })).not.toBe(recordKey(upvote));
    expect(recordKey({ ...upvote, id: '1aaa02' })).not.toBe(recordKey(upvote));
  });

  it('keys a watch by its video and its time: watching a video twice is two watches, the same watch twice one', () => {
    const watch: CanonicalRecord = { kind: 'media.watch', timestamp: '2024-04-30T19:42:11.512Z', platform: 'youtube', title: 'Bread', id: 'Lbx0sourdgh' };
    expect(recordKey({ ...watch, title: 'Bread (edited title)', timestamp: '2024-04-30T21:42:11.512+02:00' })).toBe(recordKey(watch));
    expect(recordKey({ ...watch, timestamp: '2024-05-01T08:00:00Z' })).not.toBe(recordKey(watch));
  });

  it('keys location records by their content, coordinates as numbers', () => {
    const point: CanonicalRecord = { kind: 'location.points', timestamp: '2024-01-15T08:20:00Z', platform: 'google', latitude: 56.15216, longitude: 10.21807 };
    expect(recordKey({ ...point, timestamp: '2024-01-15T09:20:00+01:00' })).toBe(recordKey(point));
    expect(recordKey({ ...point, latitude: 56.15217 })).not.toBe(recordKey(point));
  });

  it('keys a record without an id by its normalized content', () => {
    const message: CanonicalRecord = { kind: 'social.messages', timestamp: '2020-06-14T09:00:00Z', platform: 'other', direction: 'sent', text: 'Café\r\nbye ' };
    const same: CanonicalRecord = { ...message, timestamp: '2020-06-14T11:00:00.000+02:00', text: 'Cafe\u0301\nbye' };
    expect(recordKey(same)).toBe(recordKey(message));
    expect(recordKey({ ...message, direction: 'received' })).not.toBe(recordKey(message));
    expect(recordKey({ ...message, text: 'Café bye' })).not.toBe(recordKey(message));
  });
});
