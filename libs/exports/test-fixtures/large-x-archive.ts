// A large X archive for the bench (and a small one for its test): tweets in the 2022+ layout, split in
// parts, and likes, generated while the ZIP is written so that neither is ever held whole. Texts are
// drawn from invented words with a seeded generator, so the archive compresses like real tweets
// (about 5 to 1) and the same seed gives the same archive.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { zipStreams } from './zip-writer';

export interface LargeXArchive {
  tweets: number;
  likes: number;
  /** Bytes of the .js files inside the archive (what is inflated and parsed). */
  jsonBytes: number;
}

/** Tweets files are split in parts of at most this size, as X splits big archives. */
const PART_BYTES = 64 * 1024 * 1024;
const LIKES_SHARE = 0.1;

const WORDS = (
  'hygge cykel kaffe brød sommer vinter København Aarhus mormor lørdag søndag regn sol hav strand fødselsdag ' +
  'Frühstück Brötchen Fahrrad Sonntag Regen München Hamburg Wochenende Oma schön gemütlich Bahn Verspätung ' +
  'coffee morning train late weekend market garden library music concert football match weather ' +
  'the a and to of in is it for on with at this that ☀️ 🚲 🍞 😊 🎉 ❤️ 🙏 😂 &amp; &lt;3'
).split(' ');
const SYLLABLES =
  'ka ri ste mø sk ol ber gen lund vig hav by ø ja ne tor dal mark ing sen heim bach stein wald dorf lin ku pa zo re mi la fu gy qu ex ax om ut'.split(' ');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (value: number) => String(value).padStart(2, '0');

class TweetGenerator {
  private readonly random: () => number;
  private next = 0;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  /** Half common words, half made-up ones (names, places, slang), so texts vary like real ones. */
  private word(): string {
    if (this.random() < 0.5) return WORDS[this.int(WORDS.length)]!;
    const syllables = 1 + this.int(3);
    let made = '';
    for (let i = 0; i < syllables; i++) made += SYLLABLES[this.int(SYLLABLES.length)];
    return made;
  }

  private words(count: number): string {
    return Array.from({ length: count }, () => this.word()).join(' ');
  }

  private createdAt(): string {
    const date = new Date(Date.UTC(2012, 0, 1) + this.int(12 * 365 * 86_400) * 1000);
    return `${DAYS[(date.getUTCDay() + 6) % 7]} ${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000 ${date.getUTCFullYear()}`;
  }

  tweet(): string {
    const id = String(1_300_000_000_000_000_000n + BigInt(this.next++));
    const kind = this.int(10);
    const short = `https://t.co/${this.int(1e10).toString(36).padStart(7, 'a')}`;
    const withLink = kind === 0;
    let text = this.words(4 + this.int(30));
    if (kind === 1) text = `RT @nabo_${this.int(500)}: ${text}`;
    if (withLink) text = `${text} ${short}`;
    const tweet: Record<string, unknown> = {
      edit_info: { initial: { editTweetIds: [id], editableUntil: '2023-01-01T00:00:00.000Z', editsRemaining: '5', isEditEligible: true } },
      retweeted: false,
      source: '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
      entities: {
        hashtags: [],
        symbols: [],
        user_mentions: [],
        urls: withLink ? [{ url: short, expanded_url: `https://example.org/${this.int(1e6)}`, display_url: 'example.org/…', indices: ['0', '23'] }] : [],
      },
      display_text_range: ['0', String(text.length)],
      favorite_count: String(this.int(200)),
      id_str: id,
      truncated: false,
      retweet_count: String(this.int(20)),
      id,
      created_at: this.createdAt(),
      favorited: false,
      full_text: text,
      lang: 'da',
    };
    if (kind === 2)
      Object.assign(tweet, {
        in_reply_to_status_id_str: String(this.int(1e15)),
        in_reply_to_user_id_str: String(this.int(1e9)),
        in_reply_to_screen_name: 'nabo',
      });
    return JSON.stringify({ tweet }, null, 2).replace(/^(\s*"[^"\n]*"): /gm, '$1 : ');
  }

  like(): string {
    const tweetId = String(1_200_000_000_000_000_000n + BigInt(this.next++));
    return JSON.stringify({ like: { tweetId, fullText: this.words(5 + this.int(20)), expandedUrl: `https://twitter.com/i/web/status/${tweetId}` } }, null, 2);
  }
}

/** One `window.YTD.<name>.partN = [ … ]` file of about `bytes`, produced element by element. */
function ytdStream(name: string, part: number, bytes: number, element: () => string, counts: LargeXArchive, key: 'tweets' | 'likes'): Readable {
  async function* produce(): AsyncGenerator<string> {
    let written = 0;
    const head = `window.YTD.${name}.part${part} = [ `;
    yield head;
    written += head.length;
    let first = true;
    while (written < bytes) {
      const batch: string[] = [];
      for (let i = 0; i < 200 && written < bytes; i++) {
        const text = `${first ? '' : ', '}${element()}`;
        first = false;
        batch.push(text);
        written += Buffer.byteLength(text);
        counts[key]++;
      }
      yield batch.join('');
    }
    yield ' ]';
    counts.jsonBytes += written + 2;
  }
  return Readable.from(produce(), { objectMode: false });
}

/** Writes an X archive of about `jsonBytes` of .js files (tweets parts and like.js) to `path`. */
export async function writeLargeXArchive(path: string, jsonBytes: number, seed = 1): Promise<LargeXArchive> {
  const counts: LargeXArchive = { tweets: 0, likes: 0, jsonBytes: 0 };
  const generator = new TweetGenerator(seed);
  const likeBytes = Math.floor(jsonBytes * LIKES_SHARE);
  const tweetBytes = jsonBytes - likeBytes;
  const parts = Math.max(1, Math.ceil(tweetBytes / PART_BYTES));
  const files = [
    { name: 'data/manifest.js', content: Readable.from(['window.__THAR_CONFIG = {}']) },
    ...Array.from({ length: parts }, (_, part) => ({
      name: part === 0 ? 'data/tweets.js' : `data/tweets-part${part}.js`,
      content: ytdStream('tweets', part, Math.ceil(tweetBytes / parts), () => generator.tweet(), counts, 'tweets'),
    })),
    { name: 'data/like.js', content: ytdStream('like', 0, likeBytes, () => generator.like(), counts, 'likes') },
  ];
  const out = createWriteStream(path);
  zipStreams(files).pipe(out);
  await finished(out);
  return counts;
}
