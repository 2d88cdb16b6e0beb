// A large Facebook export for the bench (and a small one for its test), 2024+ layout: posts in parts,
// comments, reactions in parts, and conversations of messages, every non-ASCII byte escaped as Facebook
// writes it (\u00c3\u00b8 for ø), pretty-printed with two spaces. Generated while the ZIP is written, so
// nothing is held whole; the same seed gives the same archive. Texts are invented words in Danish, German
// and English with emoji, so the mojibake repair has work on most strings.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { metaJson } from './meta-json';
import { zipStreams } from './zip-writer';

export interface LargeFacebookArchive {
  posts: number;
  comments: number;
  reactions: number;
  messages: number;
  /** Bytes of the JSON files inside the archive (what is inflated and parsed). */
  jsonBytes: number;
}

const OWNER = 'Sofie Østergaard';
const FRIENDS = ['Jürgen Weiß', 'Åse Møller', 'Bjørn Kjær', 'Lena Größl', 'Mads Ærø', 'Chloé Dubois'];
const WORDS = (
  'hygge cykel kaffe brød sommer vinter København Aarhus mormor lørdag søndag regn sol hav strand fødselsdag smørrebrød ' +
  'Frühstück Brötchen Fahrrad Sonntag Regen München Köln Wochenende Oma schön gemütlich Straße Grüße größer ' +
  'coffee morning train late weekend market garden library music concert football weather the a and to of in is ' +
  '☀️ 🚲 🍞 😊 🎉 ❤️ 🙏 😂 🥨 🇩🇰'
).split(' ');
const REACTIONS = ['LIKE', 'LIKE', 'LIKE', 'LOVE', 'LOVE', 'HAHA', 'WOW', 'SORRY', 'ANGER', 'CARE'];
/** Parts of a long list are at most this big, as Facebook splits its files. */
const PART_BYTES = 32 * 1024 * 1024;
const MESSAGES_PER_CONVERSATION = 5000;
const START_S = Date.UTC(2012, 0, 1) / 1000;

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

class FacebookGenerator {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  private words(count: number): string {
    return Array.from({ length: count }, () => WORDS[this.int(WORDS.length)]).join(' ');
  }

  private seconds(): number {
    return START_S + this.int(12 * 365 * 86_400);
  }

  private friend(): string {
    return FRIENDS[this.int(FRIENDS.length)]!;
  }

  post(): string {
    const timestamp = this.seconds();
    const post: Record<string, unknown> = {
      timestamp,
      data: [{ post: this.words(5 + this.int(40)) }, { update_timestamp: timestamp + this.int(3600) }],
      title: `${OWNER} updated her status.`,
    };
    if (this.int(4) === 0) post.attachments = [{ data: [{ external_context: { url: `https://www.example.org/${this.int(1e6)}` } }] }];
    return metaJson(post);
  }

  comment(): string {
    const timestamp = this.seconds();
    return metaJson({
      timestamp,
      data: [{ comment: { timestamp, comment: this.words(3 + this.int(25)), author: OWNER } }],
      title: `${OWNER} commented on ${this.friend()}'s post.`,
    });
  }

  reaction(): string {
    return metaJson({
      timestamp: this.seconds(),
      data: [{ reaction: { reaction: REACTIONS[this.int(REACTIONS.length)], actor: OWNER } }],
      title: `${OWNER} reacted to ${this.friend()}'s post.`,
    });
  }

  message(friend: string): string {
    return metaJson({
      sender_name: this.int(2) === 0 ? OWNER : friend,
      timestamp_ms: this.seconds() * 1000 + this.int(1000),
      content: this.words(2 + this.int(20)),
      is_geoblocked_for_viewer: false,
    });
  }
}

const indent = (element: string, spaces: string): string => element.replace(/\n/g, `\n${spaces}`);

/** A list file of about `bytes`: a bare array, or the array under `key` of a root object. */
function listStream(bytes: number, element: () => string, onElement: () => void, key?: string): { stream: Readable; written: () => number } {
  let written = 0;
  async function* produce(): AsyncGenerator<string> {
    const spaces = key === undefined ? '  ' : '    ';
    const head = key === undefined ? '[\n' : `{\n  "${key}": [\n`;
    yield head;
    written += head.length;
    let first = true;
    while (written < bytes) {
      const batch: string[] = [];
      for (let i = 0; i < 100 && written < bytes; i++) {
        const text = `${first ? '' : ',\n'}${spaces}${indent(element(), spaces)}`;
        first = false;
        batch.push(text);
        written += text.length;
        onElement();
      }
      yield batch.join('');
    }
    const tail = key === undefined ? '\n]\n' : '\n  ]\n}\n';
    written += tail.length;
    yield tail;
  }
  return { stream: Readable.from(produce()), written: () => written };
}

/** One conversation's message_1.json: participants, then `count` messages, then its title. */
function conversationStream(generator: FacebookGenerator, friend: string, count: number, counts: LargeFacebookArchive): Readable {
  async function* produce(): AsyncGenerator<string> {
    const head = `{\n  "participants": ${indent(metaJson([{ name: friend }, { name: OWNER }]), '  ')},\n  "messages": [\n`;
    yield head;
    counts.jsonBytes += head.length;
    for (let start = 0; start < count; start += 100) {
      const batch: string[] = [];
      for (let i = start; i < Math.min(count, start + 100); i++) batch.push(`${i === 0 ? '' : ',\n'}    ${indent(generator.message(friend), '    ')}`);
      const text = batch.join('');
      counts.jsonBytes += text.length;
      counts.messages += Math.min(count, start + 100) - start;
      yield text;
    }
    const tail = `\n  ],\n  "title": ${metaJson(friend)},\n  "is_still_participant": true,\n  "thread_path": "inbox/x",\n  "magic_words": []\n}\n`;
    counts.jsonBytes += tail.length;
    yield tail;
  }
  return Readable.from(produce());
}

/** Writes a Facebook export of about `jsonBytes` of JSON files to `path`. */
export async function writeLargeFacebookArchive(path: string, jsonBytes: number, seed = 1): Promise<LargeFacebookArchive> {
  const counts: LargeFacebookArchive = { posts: 0, comments: 0, reactions: 0, messages: 0, jsonBytes: 0 };
  const generator = new FacebookGenerator(seed);
  const files: { name: string; content: Readable }[] = [];
  const profile = metaJson({ profile_v2: { name: { full_name: OWNER, first_name: 'Sofie', last_name: 'Østergaard' } } });
  counts.jsonBytes += profile.length;
  files.push({ name: 'personal_information/profile_information/profile_information.json', content: Readable.from([profile]) });
  const list = (name: string, bytes: number, element: () => string, kind: 'posts' | 'comments' | 'reactions', key?: string) => {
    const { stream, written } = listStream(bytes, element, () => counts[kind]++, key);
    stream.on('end', () => (counts.jsonBytes += written()));
    files.push({ name, content: stream });
  };
  const share = (fraction: number) => Math.floor(jsonBytes * fraction);
  const parts = (bytes: number) => Math.max(1, Math.ceil(bytes / PART_BYTES));
  const postParts = parts(share(0.3));
  for (let part = 1; part <= postParts; part++)
    list(`your_facebook_activity/posts/your_posts__check_ins__photos_and_videos_${part}.json`, share(0.3) / postParts, () => generator.post(), 'posts');
  list('your_facebook_activity/comments_and_reactions/comments.json', share(0.2), () => generator.comment(), 'comments', 'comments_v2');
  const reactionParts = parts(share(0.15));
  for (let part = 1; part <= reactionParts; part++)
    list(
      `your_facebook_activity/comments_and_reactions/likes_and_reactions_${part}.json`,
      share(0.15) / reactionParts,
      () => generator.reaction(),
      'reactions',
    );
  // A message is about 300 bytes as written: conversations of up to 5,000 messages fill the rest.
  let messagesLeft = Math.max(1, Math.floor(share(0.35) / 300));
  for (let conversation = 0; messagesLeft > 0; conversation++) {
    const count = Math.min(MESSAGES_PER_CONVERSATION, messagesLeft);
    messagesLeft -= count;
    const friend = FRIENDS[conversation % FRIENDS.length]!;
    files.push({
      name: `your_facebook_activity/messages/inbox/friend${conversation}_1015800000000${conversation}/message_1.json`,
      content: conversationStream(generator, friend, count, counts),
    });
  }
  const out = createWriteStream(path);
  zipStreams(files).pipe(out);
  await finished(out);
  return counts;
}
