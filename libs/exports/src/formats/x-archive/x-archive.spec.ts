import { collectIngest, ofKind } from '../../../test-fixtures/collect-ingest';
import { xArchive2022 } from '../../../test-fixtures/x-archive-sample';

describe('smoke', () => {
  it('reads', async () => {
    const result = await collectIngest(await xArchive2022(), { format: 'auto' });
    console.log(JSON.stringify(result.report, null, 1));
    console.log(ofKind(result.records, 'social.posts'));
  });
});
