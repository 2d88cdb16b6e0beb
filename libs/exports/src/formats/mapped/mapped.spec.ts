import { collectIngest } from '../../../test-fixtures/collect-ingest';
import { zipFiles } from '../../../test-fixtures/zip-writer';
import { checkMapping, type ExportMapping } from './export-mapping';

function mappingOf(input: unknown): ExportMapping {
  const checked = checkMapping(input);
  if (!checked.ok) throw new Error(checked.problems.join('; '));
  return checked.mapping;
}

describe('checkMapping', () => {
  it('accepts a mapping as an object or as its JSON text, with defaults', () => {
    const input = { kind: 'social.posts', platform: 'other', fields: { timestamp: 'Date', text: 'Body', likes: 'Hearts' }, values: { type: 'post' } };
    expect(checkMapping(input)).toEqual({ ok: true, mapping: { ...input, timestampFormat: 'rfc3339' } });
    expect(checkMapping(JSON.stringify(input))).toEqual(checkMapping(input));
  });

  it('refuses a field that is not canonical, and says which fields the kind has', () => {
    const checked = checkMapping({ kind: 'social.comments', platform: 'reddit', fields: { timestamp: 'date', email: 'mail', platform: 'site' } });
    expect(checked).toEqual({
      ok: false,
      problems: [
        'fields: "email" is not a field of social.comments (its fields: timestamp, platform, text, likes, id)',
        'fields: platform is set by the mapping\'s "platform", not by a field',
      ],
    });
  });

  it('names every other problem: kind, platform, required fields, values, format, unknown keys', () => {
    expect(checkMapping('not json')).toEqual({ ok: false, problems: ['the mapping is not valid JSON'] });
    expect(checkMapping([1])).toEqual({ ok: false, problems: ['the mapping must be a JSON object'] });
    expect(checkMapping({ kind: 'health.steps', platform: 'myspace', fields: {}, timestampFormat: 'eventually', extra: 1 })).toEqual({
      ok: false,
      problems: [
        'unknown key "extra" (a mapping has: kind, platform, fields, values, timestampFormat)',
        'kind must be one of social.posts, social.comments, social.messages, social.reactions, media.watch, search.queries, location.points, location.visits',
        'platform must be one of x, facebook, instagram, reddit, google, youtube, other',
        'timestampFormat must be one of rfc3339, unix-seconds, unix-milliseconds, x-created-at, utc-datetime',
        'fields must map at least one canonical field to a source column or path',
      ],
    });
    const checked = checkMapping({ kind: 'social.posts', platform: 'x', fields: { text: '', likes: 'l' }, values: { type: 'tweet', likes: 3, shares: -1 } });
    expect(checked).toEqual({
      ok: false,
      problems: [
        'fields.text must name a source column or path of 1 to 256 characters',
        'values.type must be one of post, reply, repost, story, comment',
        'values: likes is in both fields and values',
        'values.shares must be a whole number ≥ 0',
        'social.posts needs timestamp: map it in fields or give it in values',
      ],
    });
  });
});

describe('mapped CSV and JSONL', () => {
  const posts = mappingOf({
    kind: 'social.posts',
    platform: 'other',
    fields: { timestamp: 'When', text: 'Text', likes: 'Likes', id: 'Id' },
    values: { type: 'post' },
    timestampFormat: 'utc-datetime',
  });

  it('reads a bare CSV with the mapping, converting each column to its canonical type', async () => {
    const csv =
      '\uFEFFId,When,Text,Likes,Ignored\r\n7,2024-03-01 10:00:00,"Hallo, Welt",4,secret\r\n8,2024-03-02 11:00:00,,,\r\n9,soon,x,1,\r\n10,2024-03-03 12:00:00,y,many,\r\n';
    const { report, records } = await collectIngest(Buffer.from(csv), { format: 'csv', mapping: posts });
    expect(report).toMatchObject({ status: 'ready', archive: false, format: 'csv', records: { 'social.posts': 2 }, skipped: 2 });
    expect(records).toEqual([
      { kind: 'social.posts', platform: 'other', timestamp: '2024-03-01T10:00:00Z', text: 'Hallo, Welt', likes: 4, id: '7', type: 'post' },
      { kind: 'social.posts', platform: 'other', timestamp: '2024-03-02T11:00:00Z', id: '8', type: 'post' },
    ]);
    expect(report.files[0]?.skips).toEqual([
      { line: 4, reason: 'bad_timestamp', message: 'timestamp (from "When") is not a utc-datetime timestamp' },
      { line: 5, reason: 'bad_value', message: 'likes (from "Likes") is not a whole number' },
    ]);
    expect(JSON.stringify(records)).not.toContain('secret');
  });

  it('reads coordinates as numbers and a yes/no column as a boolean, and skips what does not convert', async () => {
    const points = mappingOf({ kind: 'location.points', platform: 'other', fields: { timestamp: 'time', latitude: 'lat', longitude: 'lon', accuracy: 'acc' } });
    const csv = 'time,lat,lon,acc\n2024-03-01T10:00:00Z,56.1629403,-75.0117,12\n2024-03-01T10:05:00Z,56.16 N,10.2,\n2024-03-01T10:10:00Z,95.5,10.2,\n';
    const { report, records } = await collectIngest(Buffer.from(csv), { format: 'csv', mapping: points });
    expect(records).toEqual([
      { kind: 'location.points', platform: 'other', timestamp: '2024-03-01T10:00:00Z', latitude: 56.1629403, longitude: -75.0117, accuracy: 12 },
    ]);
    expect(report.files[0]?.skips).toEqual([
      { line: 3, reason: 'bad_value', message: 'latitude (from "lat") is not a number' },
      { line: 4, reason: 'invalid_record', message: 'latitude must be a number from -90 to 90' },
    ]);
    const watches = mappingOf({ kind: 'media.watch', platform: 'other', fields: { timestamp: 'at', title: 'what', removed: 'gone' }, values: {} });
    const watched = await collectIngest(
      Buffer.from('at,what,gone\n2024-03-01T10:00:00Z,Bread,FALSE\n2024-03-01T11:00:00Z,,true\n2024-03-01T12:00:00Z,x,maybe\n'),
      { format: 'csv', mapping: watches },
    );
    expect(watched.records.map((record) => (record as { removed?: boolean }).removed)).toEqual([false, true]);
    expect(watched.report.files[0]?.skips).toEqual([{ line: 4, reason: 'bad_value', message: 'removed (from "gone") is not true or false' }]);
    expect(checkMapping({ kind: 'media.watch', platform: 'other', fields: { timestamp: 'at' }, values: { removed: 'yes' } })).toEqual({
      ok: false,
      problems: ['values.removed must be true or false'],
    });
  });

  it('fails a CSV whose header lacks a mapped column', async () => {
    const { report } = await collectIngest(Buffer.from('When,Text\n2024-03-01 10:00:00,x\n'), { format: 'csv', mapping: posts });
    expect(report.files[0]?.failure).toEqual({ reason: 'missing_columns', message: 'the header has no column "Likes", "Id"' });
  });

  it('reads JSONL with dot paths through own properties only, and every .csv of a ZIP with one mapping', async () => {
    const reactions = mappingOf({
      kind: 'social.reactions',
      platform: 'facebook',
      fields: { timestamp: 'meta.at', reaction: 'type', id: 'target.id' },
      timestampFormat: 'unix-seconds',
    });
    const lines = [
      JSON.stringify({ meta: { at: 1767637200 }, type: 'love', target: { id: 123 } }),
      JSON.stringify({ type: 'like' }),
      '',
      JSON.stringify({ type: 'haha', meta: { at: '1767637260' }, __proto__: { id: 'x' } }),
      JSON.stringify({ constructor: 'x' }),
      '[1]',
      '{oops',
    ].join('\n');
    const { report, records } = await collectIngest(Buffer.from(lines), { format: 'jsonl', mapping: reactions });
    expect(records).toEqual([
      { kind: 'social.reactions', platform: 'facebook', timestamp: '2026-01-05T18:20:00Z', reaction: 'love', id: '123' },
      { kind: 'social.reactions', platform: 'facebook', reaction: 'like' },
      { kind: 'social.reactions', platform: 'facebook', timestamp: '2026-01-05T18:21:00Z', reaction: 'haha' },
    ]);
    expect(report.files[0]?.skips.map((skip) => [skip.line, skip.reason])).toEqual([
      [5, 'missing_field'],
      [6, 'not_an_object'],
      [7, 'invalid_json'],
    ]);

    const archive = await zipFiles([
      { name: 'export/a.csv', data: 'Id,When,Text,Likes\n1,2024-03-01 10:00:00,a,1\n' },
      { name: 'export/b.CSV', data: 'Id,When,Text,Likes\n2,2024-03-01 10:00:00,b,2\n' },
      { name: 'export/readme.txt', data: 'hi' },
    ]);
    const zipped = await collectIngest(archive, { format: 'csv', mapping: posts });
    expect(zipped.report).toMatchObject({
      status: 'ready',
      archive: true,
      records: { 'social.posts': 2 },
      notRead: [{ name: 'export/readme.txt', reason: 'not_understood' }],
    });
  });

  it('refuses to start the csv and jsonl formats without a mapping', async () => {
    await expect(collectIngest(Buffer.from('a\n'), { format: 'csv' })).rejects.toThrow('the csv format needs a mapping');
  });
});
