import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { DEFAULT_PLATFORM_LIMITS, type Manifest } from '@lockbox/analysis-sdk';
import type { AnalysisVersion, SmokeRunReport } from '@lockbox/db';
import { type DockerEngineRepository, ImageLoader, ImageLoadError, type ImageInspection, inspectImageTarball, sanitizeImageTarball } from '@lockbox/sandbox';
import { ObjectNotFoundError, type ObjectStorageRepository } from '@lockbox/storage';
import type { SmokeRun, SmokeRunFinding } from './smoke-run';
import { imageKeyOf, SubmissionChecks } from './submission-checks';

jest.mock('@lockbox/sandbox', () => {
  const actual = jest.requireActual('@lockbox/sandbox');
  return {
    ...actual,
    inspectImageTarball: jest.fn(),
    sanitizeImageTarball: jest.fn(() => Readable.from([Buffer.from('sanitised')])),
    ImageLoader: jest.fn().mockImplementation(() => ({ load: jest.fn(), remove: jest.fn().mockResolvedValue('removed') })),
  };
});

const IMAGE_ID = `sha256:${'a'.repeat(64)}`;

const manifest: Manifest = {
  name: 'social-engagement',
  version: '1.0.0',
  title: 'Social engagement',
  description: 'When and how you engage',
  category: 'social',
  price: 0,
  entrypoint: ['/app/main.sh'],
  scopes: { 'social.posts': ['timestamp'] },
  params: { type: 'object' },
  resources: { memory: '256m', cpu: 0.5, timeout: 60, output: '16m' },
};

function versionWith(overrides: Partial<Manifest> = {}): AnalysisVersion {
  return { id: 'v1', uploadKey: 'submissions/social-engagement/v1/upload.tar', manifest: { ...manifest, ...overrides } } as AnalysisVersion;
}

function passingInspection(): ImageInspection {
  return {
    ok: true,
    imageId: IMAGE_ID,
    layout: 'oci-layout',
    layers: 2,
    tarballBytes: 4096,
    compressedBytes: 3000,
    decompressedBytes: 8000,
    violations: [],
    notes: ['USER ignored'],
  };
}

const SMOKE_REPORT: SmokeRunReport = {
  runtime: 'runc',
  status: 'succeeded',
  message: 'ok',
  records: { 'social.posts': 200 },
  containerMs: 800,
  outputBytes: 1200,
  logBytes: 40,
  peakMemoryBytes: null,
};

function setUp(
  options: { inspection?: ImageInspection; imageStored?: boolean; engineConfig?: unknown; engineReachable?: boolean; smoke?: SmokeRunFinding } = {},
) {
  jest.mocked(inspectImageTarball).mockResolvedValue(options.inspection ?? passingInspection());
  const storage = {
    getStream: jest.fn(async () => Readable.from([Buffer.from('tarball')])),
    head: jest.fn(async () => (options.imageStored ? { size: 1 } : undefined)),
    putStream: jest.fn(async () => ({ size: 9, sha256: 'x' })),
  };
  const engine = {
    status: jest.fn(async () => ({ reachable: options.engineReachable ?? true })),
    inspectImage: jest.fn(async () => options.engineConfig ?? { Id: IMAGE_ID, Architecture: 'amd64', Os: 'linux', Config: {} }),
  };
  const smoke = { run: jest.fn(async () => options.smoke ?? { report: SMOKE_REPORT }) };
  const checks = new SubmissionChecks(
    DEFAULT_PLATFORM_LIMITS,
    {} as Docker,
    engine as unknown as DockerEngineRepository,
    storage as unknown as ObjectStorageRepository,
    smoke as unknown as SmokeRun,
  );
  const loader = jest.mocked(ImageLoader).mock.results.at(-1)!.value as { load: jest.Mock; remove: jest.Mock };
  return { checks, storage, engine, loader, smoke };
}

const outcomes = (steps: Array<{ name: string; outcome: string }>) => Object.fromEntries(steps.map((step) => [step.name, step.outcome]));

describe('SubmissionChecks', () => {
  beforeEach(() => jest.clearAllMocks());

  it('passes a clean image: stores the sanitised tarball under its image ID and loads it by that ID', async () => {
    const { checks, storage, loader } = setUp();
    const findings = await checks.check(versionWith(), new AbortController().signal);
    expect(findings!.passed).toBe(true);
    expect(outcomes(findings!.steps)).toEqual({
      manifest: 'passed',
      intake: 'passed',
      store: 'passed',
      load: 'passed',
      engine_config: 'passed',
      smoke_run: 'passed',
    });
    expect(findings!.imageKey).toBe(imageKeyOf(IMAGE_ID));
    expect(storage.putStream).toHaveBeenCalledWith(imageKeyOf(IMAGE_ID), expect.any(Readable), expect.anything());
    expect(sanitizeImageTarball).toHaveBeenCalledTimes(1);
    expect(loader.load).toHaveBeenCalledWith(expect.any(Readable), IMAGE_ID);
    expect(findings!.toReport(new Date(0))).toMatchObject({
      passed: true,
      imageId: IMAGE_ID,
      layers: 2,
      imageBytes: 4096,
      decompressedBytes: 8000,
      notes: ['USER ignored'],
      smokeRun: SMOKE_REPORT,
    });
  });

  it('does not write an image tarball that is already stored (a redelivery, or an identical image)', async () => {
    const { checks, storage } = setUp({ imageStored: true });
    const findings = await checks.check(versionWith(), new AbortController().signal);
    expect(findings!.passed).toBe(true);
    expect(storage.putStream).not.toHaveBeenCalled();
    expect(findings!.imageKey).toBe(imageKeyOf(IMAGE_ID));
  });

  it('reports a manifest that no longer fits the limits and skips every step that needs a passing image', async () => {
    const { checks, storage, loader } = setUp();
    const findings = await checks.check(versionWith({ resources: { ...manifest.resources, memory: '4g' } }), new AbortController().signal);
    expect(findings!.passed).toBe(false);
    expect(findings!.violations).toEqual([{ rule: 'manifest', message: expect.stringMatching(/^resources\.memory must be between/) }]);
    expect(outcomes(findings!.steps)).toEqual({
      manifest: 'failed',
      intake: 'passed',
      store: 'skipped',
      load: 'skipped',
      engine_config: 'skipped',
      smoke_run: 'skipped',
    });
    expect(storage.putStream).not.toHaveBeenCalled();
    expect(loader.load).not.toHaveBeenCalled();
  });

  it("reports the intake's violations by rule", async () => {
    const inspection: ImageInspection = { ...passingInspection(), ok: false, violations: [{ rule: 'layer_count', message: 'the image has 120 layers' }] };
    const { checks } = setUp({ inspection });
    const findings = await checks.check(versionWith(), new AbortController().signal);
    expect(findings!.violations).toEqual([{ rule: 'layer_count', message: 'the image has 120 layers' }]);
    expect(outcomes(findings!.steps).store).toBe('skipped');
  });

  it('fails the check when the upload is gone, rather than retrying for ever', async () => {
    const { checks, storage } = setUp();
    storage.getStream.mockRejectedValueOnce(new ObjectNotFoundError('submissions/social-engagement/v1/upload.tar'));
    const findings = await checks.check(versionWith(), new AbortController().signal);
    expect(findings!.violations.map((violation) => violation.rule)).toEqual(['upload_missing']);
  });

  it('fails the check when the engine refuses the tarball, but throws (to retry) when the engine is not answering', async () => {
    const refused = setUp();
    refused.loader.load.mockRejectedValueOnce(new ImageLoadError(IMAGE_ID, 'invalid tar header'));
    const findings = await refused.checks.check(versionWith(), new AbortController().signal);
    expect(findings!.violations).toEqual([{ rule: 'load', message: expect.stringContaining('invalid tar header') }]);

    const away = setUp({ engineReachable: false });
    away.loader.load.mockRejectedValueOnce(new ImageLoadError(IMAGE_ID, 'connect ECONNREFUSED'));
    await expect(away.checks.check(versionWith(), new AbortController().signal)).rejects.toThrow(ImageLoadError);
  });

  it('judges the image config again as the engine read it, and removes an image that fails that way', async () => {
    const { checks, loader } = setUp({ engineConfig: { Id: IMAGE_ID, Architecture: 'amd64', Os: 'linux', Config: { Volumes: { '/data': {} } } } });
    const findings = await checks.check(versionWith(), new AbortController().signal);
    expect(findings!.violations).toEqual([{ rule: 'config', message: expect.stringMatching(/^as the engine reads the image: VOLUME is not allowed: \/data/) }]);
    expect(loader.remove).toHaveBeenCalledWith(IMAGE_ID);
  });

  it("fails the check with the smoke run's cause, keeps its report and removes the image", async () => {
    const report: SmokeRunReport = { ...SMOKE_REPORT, status: 'failed', reason: 'exit_code', exitCode: 3, message: 'exited with code 3' };
    const { checks, loader, smoke } = setUp({ smoke: { report, violation: { rule: 'smoke_run', message: 'the smoke run crashed: exited with code 3' } } });
    const findings = await checks.check(versionWith(), new AbortController().signal);
    expect(smoke.run).toHaveBeenCalledWith(expect.objectContaining({ id: 'v1' }), IMAGE_ID, expect.any(AbortSignal));
    expect(findings!.violations).toEqual([{ rule: 'smoke_run', message: 'the smoke run crashed: exited with code 3' }]);
    expect(outcomes(findings!.steps).smoke_run).toBe('failed');
    expect(findings!.toReport(new Date(0)).smokeRun).toEqual(report);
    expect(loader.remove).toHaveBeenCalledWith(IMAGE_ID);
  });

  it('does not smoke-run an image that failed an earlier step', async () => {
    const { checks, smoke } = setUp({ engineConfig: { Id: IMAGE_ID, Architecture: 'amd64', Os: 'linux', Config: { Volumes: { '/data': {} } } } });
    await checks.check(versionWith(), new AbortController().signal);
    expect(smoke.run).not.toHaveBeenCalled();
  });

  it('stops between steps when told to, with no findings', async () => {
    const { checks } = setUp();
    const stop = new AbortController();
    stop.abort();
    expect(await checks.check(versionWith(), stop.signal)).toBeUndefined();
    expect(inspectImageTarball).not.toHaveBeenCalled();
  });
});
