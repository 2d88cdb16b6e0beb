import { RECORD_KINDS, recordFieldNames } from '@lockbox/analysis-sdk';
import { describeKind, describeScope, describeScopes, scopeChanges } from './scopes';

describe('describeScope', () => {
  it('says what a field is in words', () => {
    expect(describeScope('social.posts', 'likes')).toBe('how many likes it got');
    expect(describeKind('social.messages')).toBe('your private messages');
  });

  it('has words for every field of every canonical kind', () => {
    for (const kind of Object.keys(RECORD_KINDS) as (keyof typeof RECORD_KINDS)[]) {
      expect(describeKind(kind)).not.toContain('records of kind');
      for (const field of recordFieldNames(kind)) expect(describeScope(kind, field)).not.toContain('the field "');
    }
  });

  it('names an unknown field or kind as it is rather than dropping it', () => {
    expect(describeScope('social.posts', 'mood')).toBe('the field "mood"');
    expect(describeKind('health.steps')).toBe('records of kind "health.steps"');
  });

  it('describes grains when a scope carries one', () => {
    expect(describeScope('social.posts', 'timestamp@day')).toBe('when it happened (date and time), only to the day');
    expect(describeScope('location.points', 'latitude@1km')).toBe('the latitude, rounded to about 1 km');
    expect(describeScope('social.posts', 'text@words')).toBe('the full text, only its number of words, not the text');
    expect(describeScope('social.posts', 'timestamp@week')).toBe('when it happened (date and time), at grain "week"');
  });

  it('lists kinds and fields in the declared order', () => {
    expect(describeScopes({ 'social.posts': ['timestamp', 'likes'] })).toEqual([
      {
        kind: 'social.posts',
        kindWords: 'your posts',
        fields: [
          { field: 'timestamp', words: 'when it happened (date and time)' },
          { field: 'likes', words: 'how many likes it got' },
        ],
      },
    ]);
  });
});

describe('scopeChanges', () => {
  it('finds what was added and removed since the consented scopes', () => {
    const changes = scopeChanges({ 'social.posts': ['timestamp', 'likes'] }, { 'social.posts': ['timestamp', 'text'], 'social.comments': ['timestamp'] });
    expect(changes).toEqual({
      added: { 'social.posts': ['text'], 'social.comments': ['timestamp'] },
      removed: { 'social.posts': ['likes'] },
      unchanged: false,
    });
  });

  it('says unchanged when the fields are the same, in any order', () => {
    expect(scopeChanges({ 'social.posts': ['likes', 'timestamp'] }, { 'social.posts': ['timestamp', 'likes'] }).unchanged).toBe(true);
  });
});
