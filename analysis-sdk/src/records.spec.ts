import {
  RECORD_JSON_CAPS,
  RECORD_KINDS,
  RECORD_KIND_NAMES,
  RECORD_SCHEMAS,
  projectForScopes,
  projectRecord,
  recordFieldNames,
  validateRecord,
  type SocialPost,
} from './records';

// The example line from ARCHITECTURE §4.
const post: SocialPost = {
  kind: 'social.posts',
  timestamp: '2026-01-05T18:20:00Z',
  platform: 'x',
  type: 'post',
  text: 'hello',
  likes: 3,
  comments: 1,
  shares: 0,
};

function reasonOf(line: unknown): string {
  const result = validateRecord(line);
  if (result.ok) throw new Error('expected the record to be rejected');
  return result.reason;
}

describe('RECORD_KINDS', () => {
  it('defines the social, media, search and location kinds with their fields', () => {
    expect(RECORD_KIND_NAMES).toEqual([
      'social.posts',
      'social.comments',
      'social.messages',
      'social.reactions',
      'media.watch',
      'search.queries',
      'location.points',
      'location.visits',
    ]);
    expect(recordFieldNames('media.watch')).toEqual(['timestamp', 'platform', 'title', 'url', 'channel', 'removed', 'id']);
    expect(recordFieldNames('search.queries')).toEqual(['timestamp', 'platform', 'query', 'id']);
    expect(recordFieldNames('location.points')).toEqual(['timestamp', 'platform', 'latitude', 'longitude', 'accuracy']);
    expect(recordFieldNames('location.visits')).toEqual([
      'timestamp',
      'platform',
      'durationSeconds',
      'latitude',
      'longitude',
      'placeName',
      'placeId',
      'semanticType',
    ]);
    expect(recordFieldNames('social.posts')).toEqual(['timestamp', 'platform', 'type', 'text', 'likes', 'comments', 'shares', 'id']);
    expect(recordFieldNames('social.comments')).toEqual(['timestamp', 'platform', 'text', 'likes', 'id']);
    expect(recordFieldNames('social.messages')).toEqual(['timestamp', 'platform', 'direction', 'text', 'id']);
    expect(recordFieldNames('social.reactions')).toEqual(['timestamp', 'platform', 'reaction', 'id']);
    expect(RECORD_KINDS['social.posts'].fields.timestamp.required).toBe(true);
    expect(RECORD_KINDS['social.posts'].fields.likes.required).toBe(false);
  });

  it('keeps a native id on every kind an export gives one, and a reaction without a timestamp (X likes and Reddit votes have none)', () => {
    for (const kind of RECORD_KIND_NAMES.filter((name) => !name.startsWith('location.'))) {
      expect((RECORD_KINDS[kind].fields as Record<string, unknown>).id).toMatchObject({ type: 'string', required: false, maxLength: 256 });
    }
    expect(RECORD_KINDS['social.reactions'].fields.timestamp.required).toBe(false);
    expect(validateRecord({ kind: 'social.reactions', platform: 'x', reaction: 'like', id: '1270000000000000001' }).ok).toBe(true);
    expect(validateRecord({ kind: 'social.posts', platform: 'x', type: 'post', id: '1' }).ok).toBe(false);
    expect(validateRecord({ kind: 'social.reactions', platform: 'x', reaction: 'like', id: '' }).ok).toBe(false);
    expect(RECORD_KINDS['social.messages'].description).toMatch(/other people's words/);
  });

  it('types coordinates as bounded numbers and a removed video as a boolean, and says why location is sensitive', () => {
    const point = { kind: 'location.points', timestamp: '2024-01-05T08:00:00Z', platform: 'google', latitude: 56.1629403, longitude: -75.0117 };
    expect(validateRecord(point).ok).toBe(true);
    expect(validateRecord({ ...point, latitude: 90.0000001 })).toEqual({ ok: false, reason: 'latitude must be a number from -90 to 90' });
    expect(validateRecord({ ...point, longitude: -180.5 })).toEqual({ ok: false, reason: 'longitude must be a number from -180 to 180' });
    expect(validateRecord({ ...point, latitude: '56.1' })).toEqual({ ok: false, reason: 'latitude must be a number from -90 to 90' });
    expect(validateRecord({ ...point, accuracy: 12.5 }).ok).toBe(false);
    const watch = { kind: 'media.watch', timestamp: '2024-01-05T08:00:00Z', platform: 'youtube', removed: true };
    expect(validateRecord(watch).ok).toBe(true);
    expect(validateRecord({ ...watch, removed: 'yes' })).toEqual({ ok: false, reason: 'removed must be true or false' });
    expect(validateRecord({ kind: 'search.queries', timestamp: '2024-01-05T08:00:00Z', platform: 'google' })).toEqual({
      ok: false,
      reason: "line has no field 'query'",
    });
    expect(RECORD_KINDS['location.points'].description).toMatch(/sensitive/);
    expect(RECORD_KINDS['location.visits'].fields.latitude.sensitive).toBe('your exact location');
  });

  it('derives a closed JSON Schema per kind', () => {
    expect(RECORD_SCHEMAS['social.messages']).toMatchObject({
      additionalProperties: false,
      required: ['kind', 'timestamp', 'platform', 'direction'],
      properties: { kind: { const: 'social.messages' }, direction: { enum: ['sent', 'received'] } },
    });
  });
});

describe('validateRecord', () => {
  it('accepts the ARCHITECTURE example, parsed or as a raw line', () => {
    expect(validateRecord(post)).toEqual({ ok: true, record: post });
    expect(validateRecord(JSON.stringify(post))).toEqual({ ok: true, record: post });
  });

  it('accepts each kind with only its required fields', () => {
    const base = { timestamp: '2026-01-05T18:20:00+01:00', platform: 'reddit' };
    expect(validateRecord({ kind: 'social.posts', ...base, type: 'reply' }).ok).toBe(true);
    expect(validateRecord({ kind: 'social.comments', ...base }).ok).toBe(true);
    expect(validateRecord({ kind: 'social.messages', ...base, direction: 'received' }).ok).toBe(true);
    expect(validateRecord({ kind: 'social.reactions', ...base, reaction: 'love' }).ok).toBe(true);
  });

  it('explains what is wrong in words a person understands', () => {
    expect(reasonOf('{not json')).toBe('line is not valid JSON');
    expect(reasonOf([1, 2])).toBe('line is not a JSON object');
    expect(reasonOf({ timestamp: post.timestamp })).toBe("line has no field 'kind'");
    expect(reasonOf({ ...post, kind: 'foo' })).toBe(`unknown kind 'foo' (known kinds: ${RECORD_KIND_NAMES.join(', ')})`);
    const { timestamp: _timestamp, ...noTimestamp } = post;
    expect(reasonOf(noTimestamp)).toBe("line has no field 'timestamp'");
    expect(reasonOf({ ...post, likes: -1 })).toBe('likes must be a non-negative integer');
    expect(reasonOf({ ...post, shares: 1.5 })).toBe('shares must be a non-negative integer');
    expect(reasonOf({ ...post, comments: '2' })).toBe('comments must be a non-negative integer');
    expect(reasonOf({ ...post, platform: 'myspace' })).toBe('platform must be one of x, facebook, instagram, reddit, google, youtube, other');
    expect(reasonOf({ ...post, type: 'tweet' })).toBe('type must be one of post, reply, repost, story, comment');
    expect(reasonOf({ ...post, email: 'a@b.c' })).toMatch(/^line has unknown field 'email' \(social\.posts has: kind, timestamp/);
  });

  it('requires an RFC 3339 timestamp with a time zone', () => {
    for (const timestamp of ['2026-01-05', '2026-01-05T18:20:00', 'yesterday', '2026-13-05T18:20:00Z', 1767637200]) {
      expect(reasonOf({ ...post, timestamp })).toBe('timestamp must be an ISO 8601 date-time with a time zone, e.g. 2026-01-05T18:20:00Z');
    }
  });

  it('reports several problems of one line together', () => {
    const reason = reasonOf({ kind: 'social.messages', timestamp: post.timestamp, platform: 'x', direction: 'sideways', likes: 2 });
    expect(reason).toContain('direction must be one of sent, received');
    expect(reason).toContain("line has unknown field 'likes'");
  });

  it('rejects a field that belongs to another kind', () => {
    expect(reasonOf({ kind: 'social.reactions', timestamp: post.timestamp, platform: 'x', reaction: 'like', text: 'hi' })).toMatch(/unknown field 'text'/);
  });
});

describe('projectRecord', () => {
  it('keeps only kind and the consented fields', () => {
    expect(projectRecord(post, ['timestamp', 'likes'])).toEqual({ kind: 'social.posts', timestamp: post.timestamp, likes: 3 });
  });

  it('leaves out consented fields the record does not have', () => {
    const bare: SocialPost = { kind: 'social.posts', timestamp: post.timestamp, platform: 'x', type: 'post' };
    expect(projectRecord(bare, ['timestamp', 'likes'])).toEqual({ kind: 'social.posts', timestamp: post.timestamp });
  });

  it('never copies a property that is not in the canonical schema, even if asked', () => {
    const tainted = { ...post, email: 'secret@example.com' } as SocialPost;
    expect(projectRecord(tainted, ['email', 'timestamp', '__proto__', 'constructor'])).toEqual({ kind: 'social.posts', timestamp: post.timestamp });
  });

  it('projects by consent scopes and drops kinds without consent', () => {
    const scopes = { 'social.posts': ['text'] };
    expect(projectForScopes(post, scopes)).toEqual({ kind: 'social.posts', text: 'hello' });
    expect(projectForScopes({ kind: 'social.reactions', timestamp: post.timestamp, platform: 'x', reaction: 'like' }, scopes)).toBeUndefined();
  });
});

describe('validateRecord holds a line to its JSON caps first', () => {
  const post = { kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post' };

  it('refuses a line nested too deeply or holding too many values before parsing it, on both sides of each cap', () => {
    // The record is one level; its text nests depth - 1 more.
    const nested = (depth: number) => JSON.stringify(post).replace(/}$/, `,"text":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`);
    expect(validateRecord(nested(RECORD_JSON_CAPS.maxDepth))).toEqual({ ok: false, reason: 'text must be a string of at most 100000 characters' });
    expect(validateRecord(nested(RECORD_JSON_CAPS.maxDepth + 1))).toEqual({
      ok: false,
      reason: expect.stringMatching(/^line is nested more than 8 levels deep \(at position \d+\)$/),
    });
    const keys = (count: number) => JSON.stringify({ ...post, ...Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 0])) });
    // The record itself is 5 values; every unknown key adds one.
    expect((validateRecord(keys(RECORD_JSON_CAPS.maxNodes - 5)) as { reason: string }).reason).toMatch(/^line has unknown field 'k0'/);
    expect(validateRecord(keys(RECORD_JSON_CAPS.maxNodes - 4))).toEqual({
      ok: false,
      reason: expect.stringMatching(/^line has more than 256 values \(at position \d+\)$/),
    });
  });

  it('holds a parsed value to the same caps', () => {
    let deep: unknown = 1;
    for (let i = 0; i < RECORD_JSON_CAPS.maxDepth; i++) deep = [deep];
    expect(validateRecord({ ...post, text: deep })).toEqual({ ok: false, reason: 'line is nested more than 8 levels deep' });
  });
});
