import { Inject, Injectable } from '@nestjs/common';
import type { AnalysisCategory } from '@lockbox/analysis-sdk';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { AnalysesRepository, type Analysis, type AnalysisVersion } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { type CatalogueEntryView, toCatalogueEntryView } from './analysis.view';
import { TtlCache } from '../common/ttl-cache';
import { fullPrecisionFlags, scopesInWords } from '../common/scopes-in-words';
import { newestFirst } from './published-versions';

export interface CataloguePage {
  items: CatalogueEntryView[];
  total: number;
}

/** Distinct searches kept at once; more would only hold answers nobody asks for again. */
const MAX_CACHED_PAGES = 1_000;

export interface CatalogueSearch {
  q?: string;
  category?: AnalysisCategory;
  offset: number;
  limit: number;
}

/** Most searches are a word or two; more only make the query slower. */
const MAX_SEARCH_WORDS = 8;

/**
 * The published catalogue: analyses with at least one published version. Unpublished analyses are
 * visible to their owner only; to everyone else they do not exist.
 */
@Injectable()
export class CatalogueService {
  private readonly pages: TtlCache<Promise<CataloguePage>>;

  constructor(
    @Inject(LOCKBOX_CONFIG) config: LockboxConfig,
    private readonly analyses: AnalysesRepository,
  ) {
    this.pages = new TtlCache(config.api.catalogueCacheMs, MAX_CACHED_PAGES);
  }

  /**
   * A page of published analyses, each with its newest published version; every word of `q` must match.
   * The catalogue is the same for every caller, so a page is kept for LOCKBOX_CATALOGUE_CACHE_MS: callers
   * browsing at the same moment share one query. This instance forgets every page when it publishes or
   * suspends a version; other instances may show the old catalogue for that long. Runs never rely on
   * it: a run request checks the version's status itself.
   */
  search(search: CatalogueSearch): Promise<CataloguePage> {
    const key = JSON.stringify([search.q ?? '', search.category ?? '', search.offset, search.limit]);
    const cached = this.pages.get(key);
    if (cached) return cached;
    const page = this.searchDatabase(search);
    this.pages.set(key, page);
    page.catch(() => this.pages.delete(key));
    return page;
  }

  /** After a version is published or suspended: the next search reads the catalogue afresh. */
  forgetPages(): void {
    this.pages.clear();
  }

  private async searchDatabase(search: CatalogueSearch): Promise<CataloguePage> {
    const query = {
      words: (search.q ?? '').split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS),
      category: search.category,
      offset: search.offset,
      limit: search.limit,
    };
    const rows = await this.analyses.cataloguePage(query);
    // A version suspended between the page and its versions can leave an analysis with none to show: skip it.
    const items = rows.flatMap((row) => {
      const latest = row.versions && newestFirst(row.versions)[0];
      if (!latest) return [];
      const summary = {
        ...latest,
        scopesInWords: scopesInWords(latest.scopes),
        fullPrecision: fullPrecisionFlags(latest.scopes),
        publishedAt: new Date(latest.publishedAt).toISOString(),
      };
      return [toCatalogueEntryView(row, summary)];
    });
    if (rows.length > 0 || search.offset === 0) return { items, total: rows[0]?.total ?? 0 };
    // Past the last page no row carries the window count.
    return { items, total: await this.analyses.countCatalogue(query) };
  }

  /** The analysis and its published versions, newest first. */
  async get(slug: string, callerId: string): Promise<{ analysis: Analysis; versions: AnalysisVersion[] }> {
    const analysis = await this.analyses.findBySlug(slug);
    const versions = analysis ? newestFirst((await this.analyses.publishedVersionsByAnalysis([analysis.id])).get(analysis.id) ?? []) : [];
    if (!analysis || (versions.length === 0 && analysis.ownerId !== callerId)) throw new DomainError('not_found', `No analysis ${slug}`);
    return { analysis, versions };
  }
}
