import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Analysis } from '../entities/analysis.entity';
import { AnalysisVersion } from '../entities/analysis-version.entity';

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
}
