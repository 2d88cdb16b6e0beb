import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import type { AnalysisCategory } from '@lockbox/analysis-sdk';
import { Analysis, AnalysisVersion } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { newestFirst } from './published-versions';

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
  constructor(
    @InjectRepository(Analysis) private readonly analyses: Repository<Analysis>,
    @InjectRepository(AnalysisVersion) private readonly versions: Repository<AnalysisVersion>,
  ) {}

  /** A page of published analyses, each with its newest published version; every word of `q` must match. */
  async search(search: CatalogueSearch): Promise<{ items: Array<{ analysis: Analysis; latest: AnalysisVersion }>; total: number }> {
    const query = this.analyses
      .createQueryBuilder('analysis')
      .where(`EXISTS (SELECT 1 FROM analysis_versions v WHERE v.analysis_id = analysis.id AND v.status = 'published')`);
    const words = (search.q ?? '').split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS);
    words.forEach((word, index) => {
      query.andWhere(`(analysis.title ILIKE :word${index} OR analysis.description ILIKE :word${index} OR analysis.slug ILIKE :word${index})`, {
        [`word${index}`]: `%${escapeLike(word)}%`,
      });
    });
    if (search.category) query.andWhere('analysis.category = :category', { category: search.category });
    const [analyses, total] = await query.orderBy('analysis.title', 'ASC').addOrderBy('analysis.slug', 'ASC').skip(search.offset).take(search.limit).getManyAndCount();

    const published = await this.publishedVersions(analyses.map((analysis) => analysis.id));
    // A version suspended between the two queries can leave an analysis with none to show: skip it.
    const items = analyses.flatMap((analysis) => {
      const latest = published.get(analysis.id)?.[0];
      return latest ? [{ analysis, latest }] : [];
    });
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

/** `%`, `_` and `\` in a search word match themselves. */
function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (char) => `\\${char}`);
}
