import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunInput } from '../container-contract';
import type { ParamsSchema } from '../manifest';
import { ParamsValidationError, RunInputError, checkParams, params, readRunInput, runtimeDirs } from './run-input';

const schema: ParamsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    timezoneOffsetMinutes: { type: 'integer', minimum: -720, maximum: 840, default: 0 },
    label: { type: 'string' },
  },
};

const runJson: RunInput = {
  runId: 'run-1',
  analysis: 'social-engagement',
  version: '1.0.0',
  params: { timezoneOffsetMinutes: 60 },
  scopes: { 'social.posts': ['timestamp', 'likes'] },
};

describe('runtimeDirs', () => {
  it('uses the container paths unless LOCKBOX_INPUT_DIR / LOCKBOX_OUTPUT_DIR say otherwise', () => {
    expect(runtimeDirs({})).toEqual({ inputDir: '/input', outputDir: '/output' });
    expect(runtimeDirs({ LOCKBOX_INPUT_DIR: '/tmp/in', LOCKBOX_OUTPUT_DIR: '/tmp/out' })).toEqual({ inputDir: '/tmp/in', outputDir: '/tmp/out' });
  });
});

describe('readRunInput', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lockbox-run-input-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads run.json', async () => {
    writeFileSync(join(dir, 'run.json'), JSON.stringify(runJson));
    await expect(readRunInput(dir)).resolves.toEqual(runJson);
  });

  it('says where run.json was expected when it is missing', async () => {
    await expect(readRunInput(dir)).rejects.toThrow(
      new RunInputError(`${join(dir, 'run.json')} not found: run inside a Lockbox container, or set LOCKBOX_INPUT_DIR for a local run`),
    );
  });

  it('rejects malformed JSON and names every missing or wrong field', async () => {
    writeFileSync(join(dir, 'run.json'), '{"runId": ');
    await expect(readRunInput(dir)).rejects.toThrow(/run\.json is not valid JSON/);

    writeFileSync(join(dir, 'run.json'), JSON.stringify({ runId: '', analysis: 'a', params: [], scopes: { 'social.likes': [] } }));
    const error = await readRunInput(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunInputError);
    expect((error as Error).message).toBe(
      `${join(dir, 'run.json')} is invalid: runId must be a non-empty string; version must be a non-empty string; params must be an object; scopes names an unknown record kind 'social.likes'`,
    );
  });
});

describe('params', () => {
  it('returns the params checked against the schema, filling in top-level defaults', async () => {
    expect(checkParams({ timezoneOffsetMinutes: 120 }, schema)).toEqual({ timezoneOffsetMinutes: 120 });
    expect(checkParams({}, schema)).toEqual({ timezoneOffsetMinutes: 0 });
    await expect(params<{ timezoneOffsetMinutes: number }>(schema, { ...runJson, params: {} })).resolves.toEqual({ timezoneOffsetMinutes: 0 });
  });

  it('returns the params unchecked when no schema is given', () => {
    expect(checkParams({ anything: [1] })).toEqual({ anything: [1] });
  });

  it('throws ParamsValidationError naming every bad parameter', () => {
    let error: unknown;
    try {
      checkParams({ timezoneOffsetMinutes: 9999, label: 3, extra: true }, schema);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ParamsValidationError);
    const messages = (error as ParamsValidationError).errors.map((e) => e.message);
    expect(messages).toEqual(
      expect.arrayContaining(['params.extra is not allowed (unknown field)', 'params.timezoneOffsetMinutes must be <= 840', 'params.label must be a string']),
    );
    expect((error as Error).message).toContain('Invalid run parameters:\n  - ');
  });
});
