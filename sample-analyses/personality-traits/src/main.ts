// The container's entry point: wires the pure logic to the SDK runtime (read input, write result).
import { runAnalysis, type ParamsSchema } from '@lockbox/analysis-sdk';
import lexicon from '../lexicon.json';
import manifest from '../lockbox.json';
import { computeTraits, type Lexicon } from './traits';
import { traitsReport } from './report';

void runAnalysis(async (ctx) => {
  // No parameters, but an unknown one is still refused by the bundled schema.
  ctx.params(manifest.params as ParamsSchema);
  ctx.progress(0.05, 'Reading posts');
  const stats = await computeTraits(ctx.records('social.posts'), lexicon as Lexicon);
  ctx.progress(0.9, `Read ${stats.words} words`);
  return traitsReport(stats, lexicon as Lexicon);
});
