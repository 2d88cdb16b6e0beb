import type { ConsentScopes, ManifestResources, ParamsSchema, SensitiveScope } from '@lockbox/analysis-sdk';
import type { Analysis, AnalysisVersion } from '@lockbox/db';
import { fullPrecisionFlags, type KindInWords, scopesInWords } from '../common/scopes-in-words';
import { addedScopes } from './published-versions';

interface ListingView {
  slug: string;
  title: string;
  description: string;
  category: string;
  /** In credits; always 0 for now. */
  price: number;
}

export interface PublishedVersionSummary {
  version: string;
  /** The record fields a run of this version reads; a user consents to exactly these, per run. */
  scopes: ConsentScopes;
  /** The scopes as the consent screen says them, each grain in words ("your location, rounded to about 1 km"). */
  scopesInWords: KindInWords[];
  /** Scope fields asked for at full precision that reveal much ("your exact location"): the consent step marks them. */
  fullPrecision: SensitiveScope[];
  resources: ManifestResources;
  publishedAt: string;
}

/** One entry of the catalogue: the listing and its newest published version. */
export interface CatalogueEntryView extends ListingView {
  latestVersion: PublishedVersionSummary;
}

export interface PublishedVersionView extends PublishedVersionSummary {
  /** The previous published version, which `newScopes` compares with; null for the first. */
  previousVersion: string | null;
  /** Fields this version reads that the previous published version did not. Consent is never carried over. */
  newScopes: ConsentScopes;
  /** JSON Schema of the run parameters. */
  params: ParamsSchema;
  runtime: string | null;
  /** The reviewed image that runs of this version use. */
  imageId: string;
}

/** An analysis with all its published versions, newest first. */
export interface AnalysisDetailView extends ListingView {
  versions: PublishedVersionView[];
}

/** The columns of an analysis that its listing shows. */
type ListedAnalysis = Pick<Analysis, 'slug' | 'title' | 'description' | 'category' | 'price'>;

function toListingView(analysis: ListedAnalysis): ListingView {
  return { slug: analysis.slug, title: analysis.title, description: analysis.description, category: analysis.category, price: analysis.price };
}

function toVersionSummary(version: AnalysisVersion): PublishedVersionSummary {
  return {
    version: version.version,
    scopes: version.manifest.scopes,
    scopesInWords: scopesInWords(version.manifest.scopes),
    fullPrecision: fullPrecisionFlags(version.manifest.scopes),
    resources: version.manifest.resources,
    publishedAt: (version.publishedAt ?? version.updatedAt).toISOString(),
  };
}

export function toCatalogueEntryView(analysis: ListedAnalysis, latest: PublishedVersionSummary): CatalogueEntryView {
  return { ...toListingView(analysis), latestVersion: latest };
}

/** `newestFirst` holds the published versions, newest first; each is compared with the one after it. */
export function toAnalysisDetailView(analysis: Analysis, newestFirst: AnalysisVersion[]): AnalysisDetailView {
  return {
    ...toListingView(analysis),
    versions: newestFirst.map((version, index) => {
      const previous = newestFirst[index + 1];
      return {
        ...toVersionSummary(version),
        previousVersion: previous?.version ?? null,
        newScopes: addedScopes(version.manifest.scopes, previous?.manifest.scopes),
        params: version.manifest.params,
        runtime: version.manifest.runtime ?? null,
        // A CHECK constraint guarantees a published version its approved image.
        imageId: version.approvedImageId!,
      };
    }),
  };
}
