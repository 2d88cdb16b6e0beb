// Hostile uploads, one per attack the reader must end with its own reason. They are small: a bomb that
// proves the ratio cap at 10 MiB proves nothing more at 10 GiB, and caps are lowered in the tests where
// the default would need a huge input (an element just past 1 MiB, a header just past the column cap).
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { RawZipBuilder, zipFiles } from './zip-writer';
import { sampleTweetElement, ytdFile } from './x-archive-sample';

const MiB = 1024 * 1024;

/** A valid tweets.js with the first `count` sample tweets. */
function tweetsJs(count = 2): string {
  return ytdFile(
    'tweets',
    0,
    Array.from({ length: count }, (_, index) => sampleTweetElement(index)),
  );
}

/**
 * A tweets.js that is a valid, empty array padded with blanks: it parses happily while deflate packs it
 * about 1,000 to 1, so only the ratio cap stops it.
 */
export function blankBomb(inflatedBytes = 10 * MiB, name = 'data/tweets.js'): Buffer {
  const zip = new RawZipBuilder();
  zip.add('data/manifest.js', Buffer.from('window.__THAR_CONFIG = {}'));
  zip.add(name, Buffer.concat([Buffer.from('window.YTD.tweets.part0 = ['), Buffer.alloc(inflatedBytes, 0x20), Buffer.from(']')]));
  return zip.toBuffer();
}

/** A tweets.js of one tweet and one string of incompressible text: about `bytes`, at a ratio near 1. */
export function incompressibleTweets(bytes: number, part = 0): Buffer {
  return Buffer.from(ytdFile('tweets', part, [sampleTweetElement(part % 8), randomBytes(bytes).toString('base64').slice(0, bytes)]));
}

/** Many entries, each at an honest ratio, together past a total cap. */
export function totalBomb(entries: number, bytesEach: number): Buffer {
  const zip = new RawZipBuilder();
  for (let i = 0; i < entries; i++) zip.add(i === 0 ? 'data/tweets.js' : `data/tweets-part${i}.js`, incompressibleTweets(bytesEach, i));
  return zip.toBuffer();
}

/**
 * Fifield's overlapping-entries bomb, fully overlapped: one local entry of zeros and many central
 * directory records pointing at it, so each "file" inflates the same bytes again.
 */
export function overlappingBomb(records = 20, inflatedBytes = 2 * MiB): Buffer {
  const zip = new RawZipBuilder();
  const shared = zip.addLocal('data/tweets.js', Buffer.alloc(inflatedBytes));
  for (let i = 0; i < records; i++) zip.addCentral(shared, { name: i === 0 ? 'data/tweets.js' : `data/tweets-part${i}.js` });
  return zip.toBuffer();
}

/** The quoted-overlap variant: an entry's declared compressed data runs over the next entry's header. */
export function partialOverlap(): Buffer {
  const zip = new RawZipBuilder();
  const first = zip.addLocal('data/tweets.js', Buffer.from(tweetsJs(1)));
  const second = zip.addLocal('data/like.js', Buffer.from(ytdFile('like', 0, [])));
  zip.addCentral(first, { compressedSize: first.compressedSize + 40 });
  zip.addCentral(second);
  return zip.toBuffer();
}

/**
 * Overlap that only the local header shows: the central directory is honest, but the first entry's
 * local extra field is so long that its data, read from where the local header says, runs into the next.
 */
export function localHeaderOverlap(): Buffer {
  const zip = new RawZipBuilder();
  const first = zip.addLocal('data/tweets.js', Buffer.from(tweetsJs(1)));
  const second = zip.addLocal('data/like.js', Buffer.from(ytdFile('like', 0, [])));
  zip.addCentral(first);
  zip.addCentral(second);
  const archive = zip.toBuffer();
  // Local extra field length of the first entry: pushes its data start past the second entry's header.
  archive.writeUInt16LE(second.offset - first.offset, first.offset + 28);
  return archive;
}

/** An entry flagged as encrypted (traditional PKWARE encryption). */
export function encryptedArchive(): Buffer {
  const zip = new RawZipBuilder();
  zip.add('data/manifest.js', Buffer.from('window.__THAR_CONFIG = {}'));
  zip.add('data/tweets.js', randomBytes(200), { method: 8, flags: 0x1, compressed: randomBytes(212) });
  return zip.toBuffer();
}

export function manyEntries(count: number): Buffer {
  const zip = new RawZipBuilder();
  zip.add('data/tweets.js', Buffer.from(tweetsJs(1)));
  for (let i = 1; i < count; i++) zip.add(`data/tweets_media/${i}.jpg`, Buffer.from([0xff, 0xd8, i & 0xff]), { method: 0 });
  return zip.toBuffer();
}

/** An X archive with a ZIP, a tarball and a gzip inside: listed, never opened. */
export async function nestedArchives(): Promise<Buffer> {
  const inner = await zipFiles([{ name: 'data/tweets.js', data: tweetsJs(2) }]);
  return zipFiles([
    { name: 'data/tweets.js', data: tweetsJs(2) },
    { name: 'data/more-tweets.zip', data: inner, compress: false },
    { name: 'backup.tar', data: Buffer.alloc(1024) },
    { name: 'data/like.js.gz', data: Buffer.from([0x1f, 0x8b, 8, 0]) },
  ]);
}

/** Names that could mean a path elsewhere or display as something else, next to one good file. */
export const HOSTILE_NAMES: readonly { name: string; problem: RegExp }[] = [
  { name: '../../etc/tweets.js', problem: /'\.\.' segment/ },
  { name: 'data/../../tweets.js', problem: /'\.\.' segment/ },
  { name: '/data/tweets.js', problem: /absolute path/ },
  { name: 'C:/data/tweets.js', problem: /absolute path/ },
  { name: 'data\\tweets-part1.js', problem: /backslash/ },
  { name: 'data/tweets-part2.js\u0000.txt', problem: /control character/ },
  { name: 'data/tweets-part3\u0007.js', problem: /control character/ },
  { name: 'data/\u202Esj.3trap-steewt', problem: /bidirectional/ },
  { name: 'data/./tweets-part4.js', problem: /'\.' segment/ },
  { name: `data/${'a'.repeat(2000)}.js`, problem: /longer than 1024 bytes/ },
];

export function hostileNames(): Buffer {
  const zip = new RawZipBuilder();
  zip.add('data/tweets.js', Buffer.from(tweetsJs(2)));
  for (const { name } of HOSTILE_NAMES) zip.add(name, Buffer.from(tweetsJs(1)));
  zip.add('data/like.js', Buffer.from(ytdFile('like', 0, [])));
  zip.add('data/like.js', Buffer.from(ytdFile('like', 0, [{ like: { tweetId: '1' } }])));
  return zip.toBuffer();
}

/** tweets.js compressed with a method the reader does not support (12: bzip2), next to a good like.js. */
export function unsupportedMethod(): Buffer {
  const zip = new RawZipBuilder();
  zip.add('data/tweets.js', Buffer.from(tweetsJs(1)), { method: 12, compressed: randomBytes(100) });
  zip.add('data/like.js', Buffer.from(ytdFile('like', 0, [{ like: { tweetId: '1260000000000000101' } }])));
  return zip.toBuffer();
}

/** An entry that declares 100 bytes and inflates to about `inflatedBytes`, at an honest ratio. */
export function lyingSize(inflatedBytes: number): Buffer {
  const zip = new RawZipBuilder();
  zip.add('data/tweets.js', incompressibleTweets(inflatedBytes), { declaredSize: 100 });
  zip.add('data/like.js', Buffer.from(ytdFile('like', 0, [{ like: { tweetId: '1260000000000000101' } }])));
  return zip.toBuffer();
}

/**
 * tweets.js on one line: a tweet, then one element of `elementBytes` of incompressible text (the 900 MB
 * one-line case, scaled to the cap), then another tweet.
 */
function oneLineGiantElement(elementBytes: number): string {
  const giant = {
    tweet: { id_str: '1', created_at: 'Sat Jun 06 13:02:35 +0000 2020', full_text: randomBytes(elementBytes).toString('base64').slice(0, elementBytes) },
  };
  return `window.YTD.tweets.part0 = ${JSON.stringify([sampleTweetElement(0), giant, sampleTweetElement(1)])}`;
}

export async function giantElementArchive(elementBytes: number): Promise<Buffer> {
  return zipFiles([{ name: 'data/tweets.js', data: oneLineGiantElement(elementBytes) }]);
}

/** A Reddit comments.csv whose header has `columns` columns, next to a good posts.csv. */
export async function wideCsvArchive(columns: number): Promise<Buffer> {
  const header = ['id', 'permalink', 'date', 'ip', 'subreddit', 'gildings', 'link', 'parent', 'body', 'media'];
  while (header.length < columns) header.push(`extra_${header.length}`);
  const row = header.map((name) => (name === 'date' ? '2023-05-02 18:11:04 UTC' : name === 'id' ? 'k1' : 'x'));
  const posts = 'id,permalink,date,ip,subreddit,gildings,title,url,body\r\np1,https://www.reddit.com/r/a/comments/p1/,2023-05-01 09:30:00 UTC,,a,0,Titel,,\r\n';
  return zipFiles([
    { name: 'comments.csv', data: `${header.join(',')}\r\n${row.join(',')}\r\n` },
    { name: 'posts.csv', data: posts },
  ]);
}

/** Bytes that are not a ZIP at all: a PNG header and noise. */
export function notAZip(): Buffer {
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(4096)]);
}

/** A ZIP whose end record points its central directory at garbage. */
export function corruptDirectory(): Buffer {
  const zip = new RawZipBuilder();
  zip.add('data/tweets.js', Buffer.from(tweetsJs(1)));
  const archive = zip.toBuffer();
  const end = archive.length - 22;
  archive.writeUInt32LE(0, end + 16);
  return archive;
}

/** A deflate stream cut short: the entry cannot be inflated. */
export function truncatedDeflate(): Buffer {
  const zip = new RawZipBuilder();
  const full = deflateRawSync(Buffer.from(tweetsJs(2)));
  zip.add('data/tweets.js', Buffer.from(tweetsJs(2)), { compressed: full.subarray(0, Math.floor(full.length / 2)) });
  zip.add('data/like.js', Buffer.from(ytdFile('like', 0, [{ like: { tweetId: '1260000000000000101' } }])));
  return zip.toBuffer();
}
