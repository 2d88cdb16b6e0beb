import { Logger } from '@nestjs/common';
import { checkImageConfig, fullPrecisionScopes, type PlatformLimits, type SensitiveScope, validateManifest } from '@lockbox/analysis-sdk';
import type { AnalysisVersion, CheckReport, CheckRuleResult, CheckStepResult, SmokeRunReport } from '@lockbox/db';
import { type DockerEngineRepository, type ImageLoader, ImageLoadError, ImageSanitizeError, inspectImageTarball, sanitizeImageTarball } from '@lockbox/sandbox';
import { ObjectNotFoundError, type ObjectStorageRepository } from '@lockbox/storage';
import type { SmokeRun } from './smoke-run';

/** What the steps have found so far about one submission; it becomes the check report. */
export class CheckFindings {
  readonly violations: CheckRuleResult[] = [];
  readonly notes: string[] = [];
  readonly steps: CheckStepResult[] = [];
  /** Full-precision sensitive scopes, for the reviewer (not a violation). */
  fullPrecisionScopes: SensitiveScope[] = [];
  imageId?: string;
  /** The sanitised tarball in S3 that workers load. */
  imageKey?: string;
  layout?: string;
  imageBytes?: number;
  decompressedBytes?: number;
  layers?: number;
  /** The image is in this worker's engine. */
  loaded = false;
  smokeRun?: SmokeRunReport;

  get passed(): boolean {
    return this.violations.length === 0;
  }

  violation(rule: string, message: string): void {
    this.violations.push({ rule, message });
  }

  toReport(checkedAt: Date): CheckReport {
    return {
      passed: this.passed,
      checkedAt: checkedAt.toISOString(),
      imageId: this.imageId,
      layout: this.layout,
      imageBytes: this.imageBytes,
      decompressedBytes: this.decompressedBytes,
      layers: this.layers,
      violations: this.violations,
      notes: this.notes,
      fullPrecisionScopes: this.fullPrecisionScopes,
      steps: this.steps,
      smokeRun: this.smokeRun,
    };
  }
}

export interface CheckStep {
  readonly name: string;
  /** Steps that work on the image itself (store, load, …) only run while every earlier step has passed. */
  readonly needsPassingImage: boolean;
  run(version: AnalysisVersion, findings: CheckFindings, stop: AbortSignal): Promise<void> | void;
}

/** The S3 key of an image's sanitised tarball; content-addressed, so identical images share one object. */
export function imageKeyOf(imageId: string): string {
  return `images/${imageId}.tar`;
}

/**
 * The automated checks of a submission, as a list of steps run in order. Content problems become
 * violations in the report (the version ends `check_failed`); platform faults (S3, disk, an engine that is
 * not answering) are thrown, and the job is retried.
 */
export class SubmissionChecks {
  private readonly logger = new Logger(SubmissionChecks.name);

  /** In order; the smoke run last, once the image is loaded and its config judged. */
  readonly steps: readonly CheckStep[] = [
    { name: 'manifest', needsPassingImage: false, run: (version, findings) => this.checkManifest(version, findings) },
    { name: 'intake', needsPassingImage: false, run: (version, findings) => this.inspectTarball(version, findings) },
    { name: 'store', needsPassingImage: true, run: (version, findings) => this.storeSanitisedImage(version, findings) },
    { name: 'load', needsPassingImage: true, run: (_version, findings) => this.loadImage(findings) },
    { name: 'engine_config', needsPassingImage: true, run: (_version, findings) => this.checkEngineConfig(findings) },
    { name: 'smoke_run', needsPassingImage: true, run: (version, findings, stop) => this.smokeRunImage(version, findings, stop) },
  ];

  constructor(
    private readonly limits: PlatformLimits,
    private readonly images: ImageLoader,
    private readonly engine: DockerEngineRepository,
    private readonly storage: ObjectStorageRepository,
    private readonly smoke: SmokeRun,
  ) {}

  /** Runs every step; undefined when `stop` fired between steps (the caller then writes nothing). */
  async check(version: AnalysisVersion, stop: AbortSignal): Promise<CheckFindings | undefined> {
    const findings = new CheckFindings();
    for (const step of this.steps) {
      if (stop.aborted) return undefined;
      if (step.needsPassingImage && !findings.passed) {
        findings.steps.push({ name: step.name, outcome: 'skipped' });
        continue;
      }
      const before = findings.violations.length;
      await step.run(version, findings, stop);
      findings.steps.push({ name: step.name, outcome: findings.violations.length > before ? 'failed' : 'passed' });
    }
    if (!findings.passed && findings.loaded && findings.imageId) await this.unload(findings.imageId);
    return findings;
  }

  /** Again, against this worker's limits: they are settings, and may have changed since the submission. */
  private checkManifest(version: AnalysisVersion, findings: CheckFindings): void {
    const validation = validateManifest(version.manifest, this.limits);
    if (!validation.ok) {
      for (const error of validation.errors) findings.violation('manifest', error.message);
      return;
    }
    findings.fullPrecisionScopes = fullPrecisionScopes(validation.manifest.scopes);
    for (const scope of findings.fullPrecisionScopes) {
      findings.notes.push(
        `${scope.kind} ${scope.field} is asked for at full precision (${scope.description}): the reviewer should check the analysis needs it rather than a coarser grain`,
      );
    }
  }

  /** Streams the upload from S3 through the intake rules (layout, layers, sizes, paths, architecture, image config). */
  private async inspectTarball(version: AnalysisVersion, findings: CheckFindings): Promise<void> {
    let upload;
    try {
      upload = await this.storage.getStream(version.uploadKey);
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
      findings.violation('upload_missing', 'the uploaded tarball is no longer stored; submit the version again');
      return;
    }
    const inspection = await inspectImageTarball(upload, this.limits);
    findings.imageId = inspection.imageId;
    findings.layout = inspection.layout;
    findings.imageBytes = inspection.tarballBytes;
    findings.decompressedBytes = inspection.decompressedBytes;
    findings.layers = inspection.layers;
    for (const violation of inspection.violations) findings.violation(violation.rule, violation.message);
    findings.notes.push(...inspection.notes);
    if (inspection.ok && !inspection.imageId) findings.violation('layout', 'the image config was not found');
  }

  /** Writes the tarball without tags to `images/<imageId>.tar`, unless an identical image is already there. */
  private async storeSanitisedImage(version: AnalysisVersion, findings: CheckFindings): Promise<void> {
    const key = imageKeyOf(findings.imageId!);
    if (!(await this.storage.head(key))) {
      try {
        await this.storage.putStream(key, sanitizeImageTarball(await this.storage.getStream(version.uploadKey)), { contentType: 'application/x-tar' });
      } catch (error) {
        if (!(error instanceof ImageSanitizeError)) throw error;
        findings.violation('sanitize', error.message);
        return;
      }
    }
    findings.imageKey = key;
  }

  /** `docker load` of the stored tarball, checked by image ID: what was inspected is what runs. */
  private async loadImage(findings: CheckFindings): Promise<void> {
    const imageId = findings.imageId!;
    try {
      await this.images.load(await this.storage.getStream(findings.imageKey!), imageId);
    } catch (error) {
      if (!(error instanceof ImageLoadError)) throw error;
      // The engine not answering is ours to retry; the engine refusing the tarball is the image's fault.
      if (!(await this.engine.status()).reachable) throw error;
      findings.violation('load', error.message);
      return;
    }
    findings.loaded = true;
  }

  /**
   * The image-config policy once more, on the engine's reading of the loaded image: the intake judged the
   * config bytes, and this makes sure Docker understood them the same way.
   */
  private async checkEngineConfig(findings: CheckFindings): Promise<void> {
    const inspect = await this.engine.inspectImage(findings.imageId!);
    if (!inspect) {
      findings.violation('load', `the engine does not have ${findings.imageId} after loading it`);
      return;
    }
    for (const violation of checkImageConfig(inspect).violations) findings.violation('config', `as the engine reads the image: ${violation}`);
  }

  /** One run of the image in the sandbox on synthetic fixtures; its result must validate. */
  private async smokeRunImage(version: AnalysisVersion, findings: CheckFindings, stop: AbortSignal): Promise<void> {
    const { report, violation } = await this.smoke.run(version, findings.imageId!, stop);
    findings.smokeRun = report;
    if (violation) findings.violation(violation.rule, violation.message);
  }

  /** A failed image need not stay in this engine. Best effort: nothing runs it, as runs use published versions only. */
  private async unload(imageId: string): Promise<void> {
    await this.images.remove(imageId).catch((error: unknown) => {
      this.logger.warn(`could not remove the failed image ${imageId}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
