// The container's entry point: wires the pure logic to the SDK runtime (read input, write result).
import { runAnalysis, type ParamsSchema } from '@lockbox/analysis-sdk';
import manifest from '../lockbox.json';
import { computeDiction, type DictionParams } from './diction';
import { dictionReport } from './report';

void runAnalysis(async (ctx) => {
  // The manifest is bundled in, so the params are checked against the very schema that was submitted.
  const params = ctx.params<DictionParams>(manifest.params as ParamsSchema);
  ctx.progress(0.05, 'Reading posts');
  const stats = await computeDiction(ctx.records('social.posts'), params);
  ctx.progress(0.9, `Read ${stats.words} words`);
  return dictionReport(stats);
});
