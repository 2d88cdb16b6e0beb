// Turns the numbers into the result document the user sees.
import { ResultBuilder } from '@lockbox/analysis-sdk';
import { DAY_NAMES, type EngagementStats } from './engagement';

const TYPE_LABELS: Record<string, string> = { post: 'Posts', reply: 'Replies', repost: 'Reposts', story: 'Stories', comment: 'Comments' };

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;
const formatCount = (value: number) => value.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** "UTC" or "UTC+05:30": the clock the hours and days are read on. */
export function zoneLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function engagementReport(stats: EngagementStats): ResultBuilder {
  const { totals, bestHour, bestDay } = stats;
  const zone = zoneLabel(stats.timezoneOffsetMinutes);
  const result = new ResultBuilder();

  if (totals.posts === 0 || bestHour === null || bestDay === null) {
    return result
      .summary('No posts to analyse: the dataset has no social.posts records with a timestamp.')
      .markdown('There were no posts in the data you shared, so there is nothing to chart yet. Add a dataset with posts and run the analysis again.')
      .metric('Posts', 0, 'posts');
  }

  const average = round(stats.averageEngagementPerPost, 1);
  result.summary(
    `${plural(totals.posts, 'post')}, ${plural(totals.engagement, 'engagement')} (${average} per post); ` +
      `best hour ${hourLabel(bestHour)} ${zone}, best day ${DAY_NAMES[bestDay]}.`,
  );

  const typeLines = stats.byType.map(
    (bucket) =>
      `- **${TYPE_LABELS[bucket.type] ?? bucket.type}**: ${formatCount(bucket.posts)}, with ${round(bucket.engagement / bucket.posts, 1)} engagements each on average`,
  );
  result.markdown(
    [
      '## When and how you engage',
      `Engagement is the likes, comments and shares your posts received. Hours and days are in ${zone}.`,
      '',
      ...typeLines,
      ...(stats.skipped > 0 ? ['', `${plural(stats.skipped, 'record')} without a readable timestamp were left out.`] : []),
    ].join('\n'),
  );

  result
    .metric('Posts', totals.posts, 'posts')
    .metric('Total likes', totals.likes, 'likes')
    .metric('Total comments', totals.comments, 'comments')
    .metric('Total shares', totals.shares, 'shares')
    .metric('Average engagement per post', round(stats.averageEngagementPerPost), 'per post')
    .metric(`Best hour: ${hourLabel(bestHour)}–${hourLabel((bestHour + 1) % 24)} ${zone}`, stats.byHour[bestHour]!.engagement, 'engagements')
    .metric(`Best day: ${DAY_NAMES[bestDay]}`, stats.byDay[bestDay]!.engagement, 'engagements');

  result.table(
    [`Hour (${zone})`, 'Posts', 'Engagement', 'Average per post'],
    stats.byHour.map((bucket, hour) => [
      hourLabel(hour),
      bucket.posts,
      bucket.engagement,
      bucket.posts === 0 ? null : round(bucket.engagement / bucket.posts, 1),
    ]),
  );

  result
    .barChart({
      title: 'Engagement by hour of day',
      data: stats.byHour.map((bucket, hour) => ({ hour: hourLabel(hour), posts: bucket.posts, engagement: bucket.engagement })),
      x: 'hour',
      y: 'engagement',
      xTitle: `Hour (${zone})`,
      yTitle: 'Engagement',
    })
    .barChart({
      title: 'Engagement by day of week',
      data: stats.byDay.map((bucket, day) => ({ day: DAY_NAMES[day]!.slice(0, 3), posts: bucket.posts, engagement: bucket.engagement })),
      x: 'day',
      y: 'engagement',
      xTitle: 'Day',
      yTitle: 'Engagement',
    })
    .barChart({
      title: 'Engagement by type of post',
      data: stats.byType.map((bucket) => ({ type: bucket.type, posts: bucket.posts, engagement: bucket.engagement })),
      x: 'type',
      y: 'engagement',
      xTitle: 'Type',
      yTitle: 'Engagement',
      sort: '-y',
    });
  return result;
}
