import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileArchiveSource } from '../src/archive/archive-source';
import { ingestExport } from '../src/ingest-export';
import { writeLargeFacebookArchive } from './large-facebook-archive';

describe('the bench Facebook archive generator', () => {
  it('writes a Facebook export that ingests to exactly the records it generated, nothing skipped, every text repaired', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockbox-large-fb-'));
    try {
      const path = join(dir, 'facebook.zip');
      const generated = await writeLargeFacebookArchive(path, 3 * 1024 * 1024, 7);
      expect(generated.posts).toBeGreaterThan(1000);
      expect(generated.messages).toBeGreaterThan(1000);
      expect(generated.comments).toBeGreaterThan(500);
      expect(generated.reactions).toBeGreaterThan(500);
      const zipped = (await stat(path)).size;
      expect(generated.jsonBytes / zipped).toBeGreaterThan(2);
      expect(generated.jsonBytes / zipped).toBeLessThan(30);
      const source = await FileArchiveSource.open(path);
      try {
        let mojibake = 0;
        const { report, peakBufferedBytes } = await ingestExport(source, {
          format: 'auto',
          onRecord: (record) => {
            if (/[\u00c3\u00c2\u00f0]/.test(JSON.stringify(record))) mojibake++;
          },
        });
        expect(report).toMatchObject({
          status: 'ready',
          format: 'facebook',
          skipped: 0,
          records: {
            'social.posts': generated.posts,
            'social.comments': generated.comments,
            'social.reactions': generated.reactions,
            'social.messages': generated.messages,
          },
        });
        expect(report.notes).toBeUndefined();
        expect(mojibake).toBe(0);
        expect(peakBufferedBytes).toBeLessThan(16 * 1024);
      } finally {
        await source.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
