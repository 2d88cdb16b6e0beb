import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { ConsentScopes, ManifestResources } from '@lockbox/analysis-sdk';
import { Analysis } from '../entities/analysis.entity';
import { AnalysisVersion } from '../entities/analysis-version.entity';
import { preparedQuery } from '../prepared-query';

/** A published version as a catalogue listing shows it. */
export interface CatalogueVersionRow {
  version: string;
  scopes: ConsentScopes;
  resources: ManifestResources;
  publishedAt: string;
}

/** One listed analysis, with the page's total (a window count) and its published versions (null when none is left). */
export interface CatalogueRow {
  id: string;
  slug: string;
  title: string;
  description: string;
  category: string;
  price: number;
  total: number;
  versions: CatalogueVersionRow[] | null;
}

export interface CatalogueQuery {
  /** Each must match the title, description or slug. */
  words: string[];
  category?: string;
  offset: number;
  limit: number;
}

/** The WHERE clause over `analyses a` of a catalogue search, numbered from $1. */
function catalogueFilter(search: CatalogueQuery): { where: string; parameters: unknown[] } {
  const conditions = [`EXISTS (SELECT 1 FROM analysis_versions v WHERE v.analysis_id = a.id AND v.status = 'published')`];
  const parameters: unknown[] = [];
  for (const word of search.words) {
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

/**
 * Analyses and their versions as the catalogue and run requests read them. Entity reads go through
 * TypeORM's repositories where they are a plain lookup by columns: nothing to gain from SQL there.
 */
@Injectable()
export class AnalysesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findBySlug(slug: string): Promise<Analysis | null> {
    return this.dataSource.getRepository(Analysis).findOneBy({ slug });
  }

  /** The analysis with its published versions (none when it has no published version or does not exist). */
  async publishedVersionsOf(slug: string): Promise<{ analysis: Analysis | null; versions: AnalysisVersion[] }> {
    const analysis = await this.findBySlug(slug);
    const versions = analysis ? await this.dataSource.getRepository(AnalysisVersion).findBy({ analysisId: analysis.id, status: 'published' }) : [];
    return { analysis, versions };
  }

  /**
   * One round trip, a prepared statement: the page with its total (a window count), and each listed
   * analysis' published versions, of which only what a listing shows (scopes, resources) is read.
   */
  async cataloguePage(search: CatalogueQuery): Promise<CatalogueRow[]> {
    const { where, parameters } = catalogueFilter(search);
    const page = parameters.length;
    return preparedQuery<CatalogueRow>(
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
  }

  /** How many analyses the search matches (past the last page no row carries the window count). */
  async countCatalogue(search: CatalogueQuery): Promise<number> {
    const { where, parameters } = catalogueFilter(search);
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM analyses a WHERE ${where}`, parameters)) as Array<{ total: number }>;
    return row?.total ?? 0;
  }

  /** The published versions of these analyses, by analysis. */
  async publishedVersionsByAnalysis(analysisIds: string[]): Promise<Map<string, AnalysisVersion[]>> {
    const byAnalysis = new Map<string, AnalysisVersion[]>();
    if (analysisIds.length === 0) return byAnalysis;
    const versions = await this.dataSource.getRepository(AnalysisVersion).find({ where: { analysisId: In(analysisIds), status: 'published' } });
    for (const version of versions) byAnalysis.set(version.analysisId, [...(byAnalysis.get(version.analysisId) ?? []), version]);
    return byAnalysis;
  }
}
