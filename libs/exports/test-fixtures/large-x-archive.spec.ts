import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileArchiveSource } from '../src/archive/archive-source';
import { ingestExport } from '../src/ingest-export';
import { writeLargeXArchive } from './large-x-archive';

describe('the bench archive generator', () => {
  it('writes an X archive that ingests to exactly the tweets and likes it generated, nothing skipped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockbox-large-x-'));
    try {
      const path = join(dir, 'x.zip');
      const generated = await writeLargeXArchive(path, 3 * 1024 * 1024, 7);
      expect(generated.tweets).toBeGreaterThan(1000);
      expect(generated.likes).toBeGreaterThan(100);
      // It compresses like real text, not like a bomb.
      const zipped = (await stat(path)).size;
      expect(generated.jsonBytes / zipped).toBeGreaterThan(2);
      expect(generated.jsonBytes / zipped).toBeLessThan(20);
      const source = await FileArchiveSource.open(path);
      try {
        const kinds: Record<string, number> = {};
        const { report, peakBufferedBytes } = await ingestExport(source, {
          format: 'auto',
          onRecord: (record) => void (kinds[record.kind] = (kinds[record.kind] ?? 0) + 1),
        });
        expect(report).toMatchObject({ status: 'ready', skipped: 0, records: { 'social.posts': generated.tweets, 'social.reactions': generated.likes } });
        expect(kinds).toEqual(report.records);
        expect(peakBufferedBytes).toBeLessThan(16 * 1024);
      } finally {
        await source.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
