import { collectIngest, ofKind } from '../../../test-fixtures/collect-ingest';
import {
  EXPECTED_INSTAGRAM_COMMENTS,
  EXPECTED_INSTAGRAM_LIKES,
  EXPECTED_INSTAGRAM_POSTS,
  instagramArchive,
  type InstagramVintage,
} from '../../../test-fixtures/instagram-sample';
import { metaJson } from '../../../test-fixtures/meta-json';
import { zipFiles } from '../../../test-fixtures/zip-writer';

const DETECTED: Record<InstagramVintage, string> = {
  older: 'content/posts_1.json and comments/post_comments.json: an Instagram export (older layout)',
  '2023': 'your_instagram_activity/content/posts_1.json and your_instagram_activity/comments/post_comments_1.json: an Instagram export (2023–24 layout)',
  '2025': 'your_instagram_activity/media/posts_1.json and your_instagram_activity/media/posts_2.json: an Instagram export (2025 layout)',
};

describe('Instagram export', () => {
  for (const vintage of ['older', '2023', '2025'] as const) {
    it(`reads the ${vintage} layout to the exact counts per kind, every record field by field`, async () => {
      const { report, records } = await collectIngest(await instagramArchive(vintage), { format: 'auto' });
      expect(report).toMatchObject({
        status: 'ready',
        format: 'instagram',
        detected: DETECTED[vintage],
        records: { 'social.posts': 5, 'social.comments': 2, 'social.reactions': 2 },
        recordCount: 9,
        skipped: 0,
      });
      expect(report.notes).toBeUndefined();
      // The multi-photo post's caption is its outer title; a photo without one is kept without text.
      expect(ofKind(records, 'social.posts')).toEqual(EXPECTED_INSTAGRAM_POSTS);
      expect(ofKind(records, 'social.comments')).toEqual(EXPECTED_INSTAGRAM_COMMENTS);
      // Both shapes of liked posts give the liked post's shortcode as the id.
      expect(ofKind(records, 'social.reactions')).toEqual(EXPECTED_INSTAGRAM_LIKES);
      expect(report.notRead.map((file) => [file.name.replace(/^your_instagram_activity\//, ''), file.detail])).toEqual([
        [expect.stringMatching(/^personal_information\//), 'a part of an Instagram export that Lockbox does not import'],
        [expect.stringMatching(/profile_photos\.json$/), 'a part of an Instagram export that Lockbox does not import'],
        ['messages/inbox/idalund_17841400000000000/message_1.json', 'Instagram messages are not imported yet'],
        ['media/posts/202407/17912345678901230.jpg', 'photos, videos and other media are not imported'],
        ['connections/followers_and_following/following.json', 'a part of an Instagram export that Lockbox does not import'],
      ]);
    });
  }

  it('gives the same records and keys whatever the vintage', async () => {
    const keysOf = async (vintage: InstagramVintage) => (await collectIngest(await instagramArchive(vintage), { format: 'instagram' })).keys.sort();
    const older = await keysOf('older');
    expect(await keysOf('2023')).toEqual(older);
    expect(await keysOf('2025')).toEqual(older);
  });

  it('reads reels and comment likes, and leaves out a like whose link is not a post', async () => {
    const files = [
      {
        name: 'your_instagram_activity/content/reels.json',
        data: metaJson({ ig_reels_media: [{ media: [{ uri: 'media/reels/1.mp4', creation_timestamp: 1720000000, title: 'Rødgrød 🍓' }] }] }),
      },
      {
        name: 'your_instagram_activity/likes/liked_comments.json',
        data: metaJson({
          likes_comment_likes: [
            { title: 'ida.lund', string_list_data: [{ href: 'https://www.example.org/p/NOTINSTA1/', value: '👍', timestamp: 1720000100 }] },
          ],
        }),
      },
    ];
    const { records } = await collectIngest(await zipFiles(files), { format: 'instagram' });
    expect(records).toEqual([
      { kind: 'social.posts', timestamp: '2024-07-03T09:46:40Z', platform: 'instagram', type: 'post', text: 'Rødgrød 🍓' },
      { kind: 'social.reactions', timestamp: '2024-07-03T09:48:20Z', platform: 'instagram', reaction: 'like' },
    ]);
  });

  it('skips a post or comment without a usable timestamp, with the element and the reason', async () => {
    const files = [
      {
        name: 'content/posts_1.json',
        data: metaJson([{ media: [{ uri: 'x.jpg', title: 'no time' }] }, { media: [], title: 'x', creation_timestamp: -1e12 }, 7]),
      },
      { name: 'comments/post_comments_1.json', data: metaJson([{ string_map_data: { Comment: { value: 'hej' }, Time: { timestamp: 'soon' } } }]) },
    ];
    const { report } = await collectIngest(await zipFiles(files), { format: 'instagram' });
    expect(report.failure?.reason).toBe('no_records');
    expect(report.files[0]?.skips.map((skip) => [skip.element, skip.reason])).toEqual([
      [[0], 'bad_timestamp'],
      [[1], 'bad_timestamp'],
      [[2], 'not_a_record'],
    ]);
    expect(report.files[1]?.skips.map((skip) => skip.reason)).toEqual(['bad_timestamp']);
  });
});
