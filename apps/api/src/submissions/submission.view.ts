import { type ConsentScopes, type ManifestResources, type ParamsSchema, paramsDefaults } from '@lockbox/analysis-sdk';
import type { AnalysisVersion, AnalysisVersionStatus, CheckReport } from '@lockbox/db';

/** A submission as its developer and the reviewing admins see it. */
export interface SubmissionView {
  id: string;
  /** The analysis slug (the manifest `name`). */
  analysis: string;
  version: string;
  status: AnalysisVersionStatus;
  manifest: {
    title: string;
    description: string;
    category: string;
    price: number;
    entrypoint: string[];
    resources: ManifestResources;
    runtime: string | null;
  };
  /** The record fields this version reads; users consent to exactly these for each run. */
  scopes: ConsentScopes;
  /** The form users fill in (JSON Schema, in the params dialect), and what a user who changes nothing runs with. */
  params: { schema: ParamsSchema; defaults: Record<string, unknown> };
  submittedBy: string;
  upload: { bytes: number; sha256: string };
  /** Known once the checks have inspected the tarball; approval is bound to it. */
  imageId: string | null;
  checkReport: CheckReport | null;
  reviewReason: string | null;
  reviewedAt: string | null;
  publishedAt: string | null;
  /** Set when an admin took the published version off the catalogue, with their reason (shown to its developer too). */
  suspension: { at: string; reason: string } | null;
  submittedAt: string;
  updatedAt: string;
  /**
   * Admins only (absent for the developer, whose figures must never move because of one person's run):
   * set when one of the version's runs, or its check, ran out of attempts by killing or stalling workers.
   */
  quarantine?: { at: string; reason: string } | null;
}

/** `reader` decides what is shown beyond the developer's view: an admin also sees the quarantine flag. */
export function toSubmissionView(version: AnalysisVersion, reader?: { role: string }): SubmissionView {
  const { manifest } = version;
  const view: SubmissionView = {
    id: version.id,
    analysis: manifest.name,
    version: version.version,
    status: version.status,
    manifest: {
      title: manifest.title,
      description: manifest.description,
      category: manifest.category,
      price: manifest.price,
      entrypoint: manifest.entrypoint,
      resources: manifest.resources,
      runtime: manifest.runtime ?? null,
    },
    scopes: manifest.scopes,
    params: { schema: manifest.params, defaults: paramsDefaults(manifest.params) },
    submittedBy: version.submittedBy,
    upload: { bytes: version.uploadBytes, sha256: version.uploadSha256 },
    imageId: version.imageId,
    checkReport: version.checkReport,
    reviewReason: version.reviewReason,
    reviewedAt: version.reviewedAt?.toISOString() ?? null,
    publishedAt: version.publishedAt?.toISOString() ?? null,
    suspension: version.suspendedAt ? { at: version.suspendedAt.toISOString(), reason: version.suspensionReason ?? '' } : null,
    submittedAt: version.createdAt.toISOString(),
    updatedAt: version.updatedAt.toISOString(),
  };
  if (reader?.role === 'admin') {
    view.quarantine = version.quarantinedAt ? { at: version.quarantinedAt.toISOString(), reason: version.quarantineReason ?? '' } : null;
  }
  return view;
}
