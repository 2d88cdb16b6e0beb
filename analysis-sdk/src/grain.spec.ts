import {
  applyGrain,
  describeScope,
  describeScopes,
  fullPrecisionScopes,
  GRAINS,
  isFullPrecisionSensitive,
  parseScopeField,
  projectForScopesWithGrain,
  projectRecordWithGrain,
  roundDecimal,
  SCOPE_FIELD_GRAINS,
  ScopeFieldError,
  scopeFieldsProblem,
  textLength,
  wordCount,
} from './grain';
import { generateFixtures } from './fixtures';
import type { LocationPoint, LocationVisit, SocialMessage, SocialPost } from './records';

const post: SocialPost = {
  kind: 'social.posts',
  timestamp: '2026-01-05T18:20:31.250Z',
  platform: 'x',
  type: 'post',
  text: 'Skål, kære venner! 🍻',
  likes: 3,
  id: '1',
};
const point: LocationPoint = {
  kind: 'location.points',
  timestamp: '2024-03-01T08:15:00+01:00',
  platform: 'google',
  latitude: 56.1629403,
  longitude: -75.0117499,
  accuracy: 12,
};

function problemOf(scope: string, kind?: Parameters<typeof parseScopeField>[1]): string {
  try {
    parseScopeField(scope, kind);
  } catch (error) {
    expect(error).toBeInstanceOf(ScopeFieldError);
    return (error as Error).message;
  }
  throw new Error(`expected ${scope} to be refused`);
}

/** Decimals a number is written with in JSON. */
const decimalsInJson = (value: number): number => (JSON.stringify(value).split('.')[1] ?? '').length;

describe('the grain vocabulary', () => {
  it('is the fixed list, and every field@grain some kind accepts', () => {
    expect(GRAINS).toEqual(['hour', 'day', '1km', '10km', 'length', 'words']);
    expect(SCOPE_FIELD_GRAINS).toEqual([
      'latitude@10km',
      'latitude@1km',
      'longitude@10km',
      'longitude@1km',
      'query@length',
      'query@words',
      'text@length',
      'text@words',
      'timestamp@day',
      'timestamp@hour',
    ]);
  });
});

describe('parseScopeField', () => {
  it('splits a field from its grain, and takes a bare field at full precision', () => {
    expect(parseScopeField('latitude@1km')).toEqual({ field: 'latitude', grain: '1km' });
    expect(parseScopeField('timestamp@day', 'social.reactions')).toEqual({ field: 'timestamp', grain: 'day' });
    expect(parseScopeField('text@words', 'social.messages')).toEqual({ field: 'text', grain: 'words' });
    expect(parseScopeField('likes', 'social.posts')).toEqual({ field: 'likes' });
  });

  it('refuses an unknown grain, naming the grains', () => {
    expect(problemOf('latitude@5km')).toBe('"5km" is not a grain (the grains: hour, day, 1km, 10km, length, words)');
    expect(problemOf('timestamp@minute', 'social.posts')).toMatch(/^"minute" is not a grain/);
  });

  it("refuses a grain that does not fit the field's type, saying what does", () => {
    expect(problemOf('text@hour', 'social.posts')).toBe('text cannot be given at the grain hour: hour applies to timestamp; text takes length or words');
    expect(problemOf('likes@day', 'social.posts')).toBe('likes cannot be given at the grain day: day applies to timestamp; likes takes no grain');
    expect(problemOf('timestamp@1km', 'location.points')).toMatch(
      /^timestamp cannot be given at the grain 1km: 1km applies to latitude, longitude; timestamp takes hour or day$/,
    );
    // A video's title is someone else's words: no text grain.
    expect(problemOf('title@length', 'media.watch')).toMatch(/title takes no grain$/);
    // Without a kind, only the vocabulary is checked.
    expect(problemOf('likes@day')).toMatch(/^likes cannot be given at the grain day: day applies to timestamp/);
  });

  it('refuses a field the kind does not have, and what is not a scope field at all', () => {
    expect(problemOf('latitude@1km', 'social.posts')).toBe(
      '"latitude" is not a field of social.posts (its fields: timestamp, platform, type, text, likes, comments, shares, id)',
    );
    for (const scope of ['', '@day', 'timestamp@', 'a@b@c', 'time stamp', '9x@day', 'x'.repeat(65)]) {
      expect(problemOf(scope)).toMatch(/is not a scope field: write a field name, or field@grain/);
    }
  });

  it('finds one field asked twice in a kind', () => {
    expect(scopeFieldsProblem('location.points', ['latitude@1km', 'longitude@1km', 'timestamp'])).toBeUndefined();
    expect(scopeFieldsProblem('location.points', ['latitude', 'latitude@1km'])).toBe(
      'latitude is asked for twice (latitude and latitude@1km): ask for it once, at one grain',
    );
    expect(scopeFieldsProblem('social.posts', ['text@kb'])).toMatch(/"kb" is not a grain/);
  });
});

describe('applyGrain: timestamps', () => {
  it('truncates to the UTC hour or day, still RFC 3339', () => {
    expect(applyGrain('2026-01-05T18:20:31.250Z', 'day')).toBe('2026-01-05T00:00:00Z');
    expect(applyGrain('2026-01-05T18:20:31.250Z', 'hour')).toBe('2026-01-05T18:00:00Z');
    expect(applyGrain('2026-01-05T00:00:00Z', 'day')).toBe('2026-01-05T00:00:00Z');
    expect(applyGrain('2026-01-05T23:59:59.999Z', 'hour')).toBe('2026-01-05T23:00:00Z');
  });

  it('converts an offset to UTC first, so the day can change', () => {
    expect(applyGrain('2026-01-05T00:30:00+01:00', 'day')).toBe('2026-01-04T00:00:00Z');
    expect(applyGrain('2026-01-05T23:30:00-05:00', 'day')).toBe('2026-01-06T00:00:00Z');
    expect(applyGrain('2026-01-05T10:15:00+05:45', 'hour')).toBe('2026-01-05T04:00:00Z');
    // Every form the canonical schema accepts: lowercase t and z, a space, offsets without a colon or minutes.
    expect(applyGrain('2026-01-05t10:15:00z', 'hour')).toBe('2026-01-05T10:00:00Z');
    expect(applyGrain('2026-01-05 10:15:00+0130', 'hour')).toBe('2026-01-05T08:00:00Z');
    expect(applyGrain('2026-01-05T10:15:00-03', 'hour')).toBe('2026-01-05T13:00:00Z');
    expect(applyGrain('2024-02-29T23:59:59+00:00', 'day')).toBe('2024-02-29T00:00:00Z');
  });

  it('keeps a leap second in its own minute, hour and day', () => {
    expect(applyGrain('2016-12-31T23:59:60Z', 'hour')).toBe('2016-12-31T23:00:00Z');
    expect(applyGrain('2016-12-31T23:59:60.5Z', 'day')).toBe('2016-12-31T00:00:00Z');
    expect(applyGrain('2017-01-01T00:59:60+01:00', 'day')).toBe('2016-12-31T00:00:00Z');
  });

  it('gives nothing for what is not a date-time, so the field is left out rather than passed whole', () => {
    for (const value of [
      '2026-02-30T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-01-05T24:00:00Z',
      '2026-01-05T10:00:00',
      '2026-01-05',
      'yesterday',
      '',
      1767637200,
      null,
    ]) {
      expect(applyGrain(value, 'day')).toBeUndefined();
    }
    expect(applyGrain('2026-01-05T10:00:00+24:00', 'hour')).toBeUndefined();
    // Out of range: an offset that carries a date before year 0 or past 9999.
    expect(applyGrain('0000-01-01T00:30:00+01:00', 'day')).toBeUndefined();
    expect(applyGrain('9999-12-31T23:30:00-01:00', 'hour')).toBeUndefined();
    expect(applyGrain('0000-01-01T01:30:00+01:00', 'day')).toBe('0000-01-01T00:00:00Z');
  });
});

describe('applyGrain: coordinates', () => {
  it('rounds to 2 decimals at 1 km and 1 decimal at 10 km', () => {
    expect(applyGrain(56.1629403, '1km')).toBe(56.16);
    expect(applyGrain(56.1629403, '10km')).toBe(56.2);
    expect(applyGrain(-75.0117499, '1km')).toBe(-75.01);
    expect(applyGrain(-75.0117499, '10km')).toBe(-75);
    expect(applyGrain(40, '1km')).toBe(40);
  });

  it('rounds halves away from zero, on the number as written, for negatives alike', () => {
    expect(roundDecimal(0.125, 2)).toBe(0.13);
    expect(roundDecimal(-0.125, 2)).toBe(-0.13);
    // 1.005 is stored as 1.00499999999999989…: rounded as written, not as stored.
    expect(roundDecimal(1.005, 2)).toBe(1.01);
    expect(roundDecimal(-1.005, 2)).toBe(-1.01);
    expect(roundDecimal(2.45, 1)).toBe(2.5);
    expect(roundDecimal(-2.45, 1)).toBe(-2.5);
    expect(roundDecimal(2.449, 1)).toBe(2.4);
    expect(roundDecimal(0.0049, 2)).toBe(0);
    expect(roundDecimal(0.005, 2)).toBe(0.01);
    expect(roundDecimal(0.0004, 2)).toBe(0);
    expect(roundDecimal(89.996, 2)).toBe(90);
    expect(roundDecimal(-179.96, 1)).toBe(-180);
    expect(roundDecimal(1e-7, 2)).toBe(0);
    expect(roundDecimal(123456789.987, 1)).toBe(123456790);
  });

  it('never gives -0: a small negative value rounds to 0', () => {
    expect(Object.is(roundDecimal(-0.001, 2), 0)).toBe(true);
    expect(Object.is(roundDecimal(-0.04, 1), 0)).toBe(true);
    expect(JSON.stringify(applyGrain(-0.001, '1km'))).toBe('0');
  });

  it('writes no coordinate with more decimals than its grain allows, once serialised (floating point included)', () => {
    const tricky = [0.1 + 0.2, 0.3 - 0.1, 1.005, 56.165, -75.005, 10.235, 1.1 * 3, 89.999999, -179.949999, 0.07 * 100, 4.35 * 100];
    const drawn = Array.from({ length: 20_000 }, (_, i) => Math.sin(i * 12.9898) * 180);
    const wrong: string[] = [];
    for (const value of [...tricky, ...drawn]) {
      const one = applyGrain(value, '1km') as number;
      const ten = applyGrain(value, '10km') as number;
      if (decimalsInJson(one) > 2 || Math.abs(one - value) > 0.005 + 1e-9) wrong.push(`${value} at 1km: ${JSON.stringify(one)}`);
      if (decimalsInJson(ten) > 1 || Math.abs(ten - value) > 0.05 + 1e-9) wrong.push(`${value} at 10km: ${JSON.stringify(ten)}`);
    }
    expect(wrong).toEqual([]);
    expect(JSON.stringify(applyGrain(0.1 + 0.2, '1km'))).toBe('0.3');
  });

  it('gives nothing for what is not a finite number', () => {
    for (const value of ['56.1', NaN, Infinity, null, undefined, {}]) expect(applyGrain(value, '1km')).toBeUndefined();
    expect(() => roundDecimal(NaN, 2)).toThrow(RangeError);
  });
});

describe('applyGrain: text', () => {
  it('gives the length in code points, after NFC', () => {
    expect(applyGrain('hello', 'length')).toBe(5);
    expect(applyGrain('', 'length')).toBe(0);
    expect(textLength('café')).toBe(4);
    expect(textLength('cafe\u0301')).toBe(4);
    expect(textLength('🍻')).toBe(1);
    expect(textLength('👍🏽')).toBe(2);
    expect(textLength('Skål, kære venner! 🍻')).toBe(20);
  });

  it('counts words between runs of Unicode white space', () => {
    expect(applyGrain('Hello, world!', 'words')).toBe(2);
    expect(applyGrain('', 'words')).toBe(0);
    expect(wordCount('   \n\t ')).toBe(0);
    expect(wordCount('  leading and trailing  ')).toBe(3);
    expect(wordCount('no\u00a0break\u3000ideographic\u2009thin\u2028line')).toBe(5);
    expect(wordCount('🎉')).toBe(1);
    expect(wordCount('Skål 🍻 venner')).toBe(3);
    expect(wordCount('Größe—ohne Leerzeichen')).toBe(2);
    expect(wordCount('今日はいい天気')).toBe(1);
  });

  it('gives nothing for what is not text', () => {
    expect(applyGrain(42, 'length')).toBeUndefined();
    expect(applyGrain(undefined, 'words')).toBeUndefined();
  });
});

describe('projectRecordWithGrain', () => {
  it('keeps kind and the consented fields, each at its grain, under its own name', () => {
    expect(projectRecordWithGrain(post, ['timestamp@day', 'text@words', 'likes'])).toEqual({
      kind: 'social.posts',
      timestamp: '2026-01-05T00:00:00Z',
      text: 4,
      likes: 3,
    });
    expect(projectRecordWithGrain(point, ['latitude@1km', 'longitude@1km', 'timestamp@hour'])).toEqual({
      kind: 'location.points',
      latitude: 56.16,
      longitude: -75.01,
      timestamp: '2024-03-01T07:00:00Z',
    });
  });

  it('is projectRecord for fields at full precision: nothing outside the schema is copied', () => {
    const tainted = { ...post, email: 'a@example.org' } as SocialPost;
    expect(projectRecordWithGrain(tainted, ['timestamp', 'likes'])).toEqual({ kind: 'social.posts', timestamp: post.timestamp, likes: 3 });
    expect(projectRecordWithGrain(post, [])).toEqual({ kind: 'social.posts' });
  });

  it('leaves out a field the record lacks or whose value cannot be coarsened, never passing it whole', () => {
    const { text: _text, ...bare } = post;
    expect(projectRecordWithGrain(bare as SocialPost, ['text@length'])).toEqual({ kind: 'social.posts' });
    const odd = { ...post, timestamp: '2026-02-30T10:00:00Z' };
    expect(projectRecordWithGrain(odd, ['timestamp@day', 'likes'])).toEqual({ kind: 'social.posts', likes: 3 });
  });

  it('refuses scope fields a manifest check would refuse', () => {
    expect(() => projectRecordWithGrain(post, ['latitude@1km'])).toThrow(ScopeFieldError);
    expect(() => projectRecordWithGrain(post, ['text', 'text@words'])).toThrow(/asked for twice/);
  });

  it('gives no coordinate with more than two decimals at 1 km, over a whole fixture set', () => {
    const set = generateFixtures({ 'location.points': [], 'location.visits': [] }, { records: 500, seed: 11 });
    const points = set['location.points']!;
    expect(points.some((one) => decimalsInJson(one.latitude) > 2)).toBe(true);
    const lines = [...points, ...(set['location.visits'] as LocationVisit[])].map((record) =>
      JSON.stringify(projectRecordWithGrain(record, ['latitude@1km', 'longitude@1km', 'timestamp'])),
    );
    for (const line of lines) {
      const projected = JSON.parse(line) as { latitude: number; longitude: number };
      expect(decimalsInJson(projected.latitude)).toBeLessThanOrEqual(2);
      expect(decimalsInJson(projected.longitude)).toBeLessThanOrEqual(2);
      // Nothing in the line carries a longer decimal: the serialised text itself is checked.
      expect(line).not.toMatch(/\d+\.\d{3,}/);
    }
  });

  it('projects by consent scopes and drops kinds without consent', () => {
    const message: SocialMessage = {
      kind: 'social.messages',
      timestamp: '2026-01-05T18:20:00Z',
      platform: 'facebook',
      direction: 'received',
      text: 'Ses vi i morgen?',
    };
    expect(projectForScopesWithGrain(message, { 'social.messages': ['direction', 'text@length'] })).toEqual({
      kind: 'social.messages',
      direction: 'received',
      text: 16,
    });
    expect(projectForScopesWithGrain(message, { 'social.posts': ['text'] })).toBeUndefined();
  });
});

describe('words for the consent screen, the receipt and the reviewer', () => {
  it('says what each scope field gives, in plain words', () => {
    expect(describeScope('location.points', 'latitude@1km')).toBe('your location, rounded to about 1 km');
    expect(describeScope('location.visits', 'longitude@10km')).toBe('your location, rounded to about 10 km');
    expect(describeScope('location.points', 'latitude')).toBe('your exact location');
    expect(describeScope('social.posts', 'timestamp@day')).toBe('the date and time, to the day (not the time of day)');
    expect(describeScope('social.posts', 'timestamp@hour')).toBe('the date and time, to the hour');
    expect(describeScope('social.posts', 'text@length')).toBe('only the length of the text in characters, not the text itself');
    expect(describeScope('search.queries', 'query@words')).toBe('only the number of words in the query, not the query itself');
    expect(describeScope('social.messages', 'text')).toBe("the full text of your messages, including other people's words");
    expect(describeScope('social.posts', 'text')).toBe('the text');
  });

  it('gives a pair of coordinates as one location', () => {
    expect(describeScopes('location.points', ['timestamp@hour', 'latitude@1km', 'longitude@1km', 'accuracy'])).toEqual([
      'the date and time, to the hour',
      'your location, rounded to about 1 km',
      'how accurate each point is',
    ]);
  });

  it('flags location, places, message text and search queries asked for at full precision, and nothing else', () => {
    expect(isFullPrecisionSensitive('location.points', 'latitude')).toBe(true);
    expect(isFullPrecisionSensitive('location.points', 'latitude@1km')).toBe(false);
    expect(isFullPrecisionSensitive('location.visits', 'placeName')).toBe(true);
    expect(isFullPrecisionSensitive('social.messages', 'text')).toBe(true);
    expect(isFullPrecisionSensitive('social.messages', 'text@words')).toBe(false);
    expect(isFullPrecisionSensitive('social.posts', 'text')).toBe(false);
    expect(isFullPrecisionSensitive('search.queries', 'query')).toBe(true);
    expect(isFullPrecisionSensitive('location.points', 'timestamp')).toBe(false);
    expect(isFullPrecisionSensitive('location.points', 'nonsense@1km')).toBe(false);
    expect(
      fullPrecisionScopes({
        'location.points': ['timestamp', 'latitude', 'longitude@1km'],
        'social.messages': ['text@length'],
        'search.queries': ['query'],
        'not.a.kind': ['latitude'],
      }),
    ).toEqual([
      { kind: 'location.points', field: 'latitude', description: 'your exact location' },
      { kind: 'search.queries', field: 'query', description: 'exactly what you searched for' },
    ]);
  });
});
