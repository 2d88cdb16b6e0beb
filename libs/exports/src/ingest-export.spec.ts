import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { CanonicalRecord } from '@lockbox/analysis-sdk';
import { collectIngest } from '../test-fixtures/collect-ingest';
import { redditFiles } from '../test-fixtures/reddit-sample';
import { xArchive2022, xArchive2022Files } from '../test-fixtures/x-archive-sample';
import { zipFiles } from '../test-fixtures/zip-writer';
import { type ArchiveSource, BufferArchiveSource, FileArchiveSource } from './archive/archive-source';
import { SourceReadError } from './faults';
import { ingestExport } from './ingest-export';
import { exportLimits } from './limits';

const post = (text: string) => JSON.stringify({ kind: 'social.posts', timestamp: '2026-01-05T18:20:00Z', platform: 'x', type: 'post', text });

describe('ingestExport', () => {
  it("reads Lockbox's canonical JSONL as a bare file with auto, validating each line as before", async () => {
    const jsonl = `${post('one')}\n\n${JSON.stringify({ kind: 'social.posts', platform: 'x' })}\n${post('two')}`;
    const { report, records } = await collectIngest(Buffer.from(jsonl), { format: 'auto' });
    expect(report).toMatchObject({
      status: 'ready',
      archive: false,
      format: 'lockbox-jsonl',
      detected: "a file of JSON lines, not an archive: Lockbox's canonical JSONL",
      records: { 'social.posts': 2 },
    });
    expect(report.files[0]).toMatchObject({
      name: 'upload',
      skipped: 1,
      skips: [{ line: 3, reason: 'invalid_record', message: expect.stringContaining("no field 'timestamp'") }],
    });
    expect(records.map((record) => (record as { text?: string }).text)).toEqual(['one', 'two']);
  });

  it('reads canonical JSONL files in a ZIP, found by their extension', async () => {
    const archive = await zipFiles([
      { name: 'a.jsonl', data: `${post('a')}\n` },
      { name: 'b.jsonl', data: `${post('b')}\n` },
    ]);
    const { report } = await collectIngest(archive, { format: 'auto' });
    expect(report).toMatchObject({ status: 'ready', format: 'lockbox-jsonl', detected: "2 .jsonl files: Lockbox's canonical JSONL", recordCount: 2 });
  });

  it('fails an archive of no known export, and one that looks like two, asking for the format', async () => {
    const unknown = await collectIngest(await zipFiles([{ name: 'photos/a.jpg', data: 'x' }]), { format: 'auto' });
    expect(unknown.report.failure).toEqual({ reason: 'format_not_detected', message: expect.stringContaining('Lockbox looked for an X archive') });
    const both = await collectIngest(await zipFiles([...xArchive2022Files(), ...redditFiles()]), { format: 'auto' });
    expect(both.report.failure).toEqual({ reason: 'format_ambiguous', message: expect.stringContaining('name its format') });
    // Naming the format reads it, and lists the other export's files as not understood.
    const named = await collectIngest(await zipFiles([...xArchive2022Files(), ...redditFiles()]), { format: 'x-archive' });
    expect(named.report).toMatchObject({ status: 'ready', recordCount: 17, notReadCounts: { not_understood: redditFiles().length } });
  });

  it('reads from a file on disk the same as from memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockbox-exports-'));
    try {
      const path = join(dir, 'upload.zip');
      await writeFile(path, await xArchive2022());
      const source = await FileArchiveSource.open(path);
      try {
        const keys: string[] = [];
        const { report } = await ingestExport(source, { format: 'auto', onRecord: (_record, key) => void keys.push(key) });
        expect(report).toMatchObject({ status: 'ready', recordCount: 17 });
        expect(keys).toEqual((await collectIngest(await xArchive2022(), { format: 'auto' })).keys);
        expect(() => source.read(0, source.size + 1)).toThrow(RangeError);
      } finally {
        await source.close();
      }
      // Reading a closed source is a storage error, never taken for a bad archive.
      const closed = (async () => {
        for await (const chunk of source.read(0, 10)) void chunk;
      })();
      await expect(closed).rejects.toBeInstanceOf(SourceReadError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hands records over one at a time, waiting for each', async () => {
    let inFlight = 0;
    let most = 0;
    await ingestExport(new BufferArchiveSource(await xArchive2022()), {
      format: 'auto',
      onRecord: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
    });
    expect(most).toBe(1);
  });

  it('throws what is not the upload’s fault: a storage error, the stop signal, an error of the caller', async () => {
    const upload = await xArchive2022();
    const failing: ArchiveSource = {
      size: upload.length,
      read: (start, end) =>
        start > 0 && end - start > 1000
          ? new Readable({
              read() {
                this.destroy(new SourceReadError(new Error('connection reset')));
              },
            })
          : new BufferArchiveSource(upload).read(start, end),
    };
    await expect(ingestExport(failing, { format: 'auto', onRecord: () => undefined })).rejects.toBeInstanceOf(SourceReadError);

    const stop = new AbortController();
    const seen: CanonicalRecord[] = [];
    const stopped = ingestExport(new BufferArchiveSource(upload), {
      format: 'auto',
      stop: stop.signal,
      onRecord: (record) => {
        seen.push(record);
        if (seen.length === 3) stop.abort(new Error('lease lost'));
      },
    });
    await expect(stopped).rejects.toThrow('lease lost');
    expect(seen).toHaveLength(3);

    await expect(ingestExport(new BufferArchiveSource(upload), { format: 'auto', onRecord: () => Promise.reject(new Error('storage full')) })).rejects.toThrow(
      'storage full',
    );
  });

  it('takes limits as positive integers only', () => {
    expect(exportLimits({ maxEntries: 5 }).maxEntries).toBe(5);
    expect(() => exportLimits({ maxEntries: 0 })).toThrow('export limit maxEntries must be a positive integer (got 0)');
    expect(() => exportLimits({ maxElementBytes: 1.5 })).toThrow(RangeError);
  });
});
