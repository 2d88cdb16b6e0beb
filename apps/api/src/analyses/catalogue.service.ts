import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, type Repository } from 'typeorm';
import type { AnalysisCategory } from '@lockbox/analysis-sdk';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { Analysis, AnalysisVersion, preparedQuery } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { type CatalogueEntryView, type PublishedVersionSummary, toCatalogueEntryView } from './analysis.view';
import { TtlCache } from '../common/ttl-cache';
import { newestFirst } from './published-versions';

export interface CataloguePage {
  items: CatalogueEntryView[];
  total: number;
}

/** Distinct searches kept at once; more would only hold answers nobody asks for again. */
const MAX_CACHED_PAGES = 1_000;

interface CatalogueRow {
  id: string;
  slug: string;
  title: string;
  description: string;
  category: string;
  price: number;
  total: number;
  /** Null when the analysis has no published version left. */
  versions: PublishedVersionSummary[] | null;
}

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
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Analysis) private readonly analyses: Repository<Analysis>,
    @InjectRepository(AnalysisVersion) private readonly versions: Repository<AnalysisVersion>,
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

  /**
   * One round trip: the page with its total (a window count), and each listed analysis' published
   * versions, of which only what a listing shows (scopes, resources) is read.
   */
  private async searchDatabase(search: CatalogueSearch): Promise<CataloguePage> {
    const { where, parameters } = catalogueFilter(search);
    const page = parameters.length;
    const rows = await preparedQuery<CatalogueRow>(
      this.dataSource,
      `WITH page AS (
         SELECT a.id, a.slug, a.title, a.description, a.category, a.price, count(*) OVER ()::int AS total
           FROM analyses a
          WHERE ${where}
          ORDER BY a.title, a.slug
         OFFSET $${page + 1} LIMIT $${page + 2})
       SELECT page.*,
              (SELECT json_agg(json_build_object('version', v.version, 'scopes', v.manifest->'scopes', 'resources', v.manifest->'resources',
                                                 'publishedAt', coalesce(v.published_at, v.updated_at)))
                 FROM analysis_versions v WHERE v.analysis_id = page.id AND v.status = 'published') AS versions
         FROM page ORDER BY page.title, page.slug`,
      [...parameters, search.offset, search.limit],
    );
    // A version suspended between the page and its versions can leave an analysis with none to show: skip it.
    const items = rows.flatMap((row) => {
      const latest = row.versions && newestFirst(row.versions)[0];
      return latest ? [toCatalogueEntryView(row, { ...latest, publishedAt: new Date(latest.publishedAt).toISOString() })] : [];
    });
    if (rows.length > 0 || search.offset === 0) return { items, total: rows[0]?.total ?? 0 };
    // Past the last page no row carries the window count.
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM analyses a WHERE ${where}`, parameters)) as [{ total: number }];
    return { items, total };
  }

  /** The analysis and its published versions, newest first. */
  async get(slug: string, callerId: string): Promise<{ analysis: Analysis; versions: AnalysisVersion[] }> {
    const analysis = await this.analyses.findOneBy({ slug });
    const versions = analysis ? ((await this.publishedVersions([analysis.id])).get(analysis.id) ?? []) : [];
    if (!analysis || (versions.length === 0 && analysis.ownerId !== callerId)) throw new DomainError('not_found', `No analysis ${slug}`);
    return { analysis, versions };
  }

  private async publishedVersions(analysisIds: string[]): Promise<Map<string, AnalysisVersion[]>> {
    const byAnalysis = new Map<string, AnalysisVersion[]>();
    if (analysisIds.length === 0) return byAnalysis;
    const versions = await this.versions.find({ where: { analysisId: In(analysisIds), status: 'published' } });
    for (const version of versions) byAnalysis.set(version.analysisId, [...(byAnalysis.get(version.analysisId) ?? []), version]);
    for (const [id, list] of byAnalysis) byAnalysis.set(id, newestFirst(list));
    return byAnalysis;
  }
}

/** The WHERE clause over `analyses a` of a catalogue search, numbered from $1. */
function catalogueFilter(search: CatalogueSearch): { where: string; parameters: unknown[] } {
  const conditions = [`EXISTS (SELECT 1 FROM analysis_versions v WHERE v.analysis_id = a.id AND v.status = 'published')`];
  const parameters: unknown[] = [];
  for (const word of (search.q ?? '').split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS)) {
    parameters.push(`%${escapeLike(word)}%`);
    const placeholder = `$${parameters.length}`;
    conditions.push(`(a.title ILIKE ${placeholder} OR a.description ILIKE ${placeholder} OR a.slug ILIKE ${placeholder})`);
  }
  if (search.category) {
    parameters.push(search.category);
    conditions.push(`a.category = $${parameters.length}`);
  }
  return { where: conditions.join(' AND '), parameters };
}

/** `%`, `_` and `\` in a search word match themselves. */
function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (char) => `\\${char}`);
}
