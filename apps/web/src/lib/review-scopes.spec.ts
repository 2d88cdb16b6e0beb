import { reviewScopes } from './review-scopes';

describe('reviewScopes', () => {
  it('marks every field of a first version as added', () => {
    const [posts] = reviewScopes({ 'social.posts': ['timestamp', 'likes'] }, null);
    expect(posts?.fields.map((field) => [field.field, field.added])).toEqual([
      ['timestamp', true],
      ['likes', true],
    ]);
  });

  it('marks what grew since the previous version, and lists what it no longer reads', () => {
    const kinds = reviewScopes({ 'social.posts': ['timestamp', 'text'] }, { 'social.posts': ['timestamp', 'likes'], 'social.comments': ['timestamp'] });
    expect(kinds.map((kind) => kind.kind)).toEqual(['social.posts', 'social.comments']);
    expect(kinds[0]?.fields.map((field) => [field.field, field.added])).toEqual([
      ['timestamp', false],
      ['text', true],
    ]);
    expect(kinds[0]?.dropped).toEqual(['likes']);
    expect(kinds[1]?.fields).toEqual([]);
    expect(kinds[1]?.dropped).toEqual(['timestamp']);
  });

  it("flags full-precision sensitive fields by the SDK's rule, and not their coarser grains", () => {
    const [points] = reviewScopes({ 'location.points': ['latitude', 'longitude@1km', 'timestamp'] }, null);
    expect(points?.fields.map((field) => [field.field, field.fullPrecision])).toEqual([
      ['latitude', true],
      ['longitude@1km', false],
      ['timestamp', false],
    ]);
    const [messages] = reviewScopes({ 'social.messages': ['text', 'text@words'] }, null);
    expect(messages?.fields.map((field) => field.fullPrecision)).toEqual([true, false]);
  });

  it('flags nothing of a kind it does not know, and still lists it', () => {
    const [unknown] = reviewScopes({ 'health.steps': ['count'] }, null);
    expect(unknown?.kindWords).toBe('records of kind "health.steps"');
    expect(unknown?.fields[0]?.fullPrecision).toBe(false);
  });
});
