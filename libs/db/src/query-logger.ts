import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** PostgreSQL's error fields that name the schema, never a value. */
interface PostgresErrorFields {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
}

/**
 * TypeORM's logging without what its own loggers print: a failed query's parameters (an email at
 * registration, a password hash, a run's params) and PostgreSQL's message, which can quote the value it
 * refused. A failed query is reported by its SQLSTATE and the constraint, table and column it names, at
 * debug: the caller handles it (a taken email is a 23505) or reports it, and the query text is code.
 */
export class QueryLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQueryError(error: string | Error, query: string, _parameters?: unknown[]): void {
    const fields = typeof error === 'string' ? {} : schemaFieldsOf(error as Error & PostgresErrorFields);
    this.logger.debug(`query failed${fields.code ? ` (SQLSTATE ${fields.code})` : ''}: ${firstLine(query)}`, fields);
  }

  logQuery(): void {}

  logQuerySlow(timeMs: number, query: string): void {
    this.logger.warn(`slow query (${timeMs} ms): ${firstLine(query)}`);
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}

function schemaFieldsOf(error: PostgresErrorFields): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of ['code', 'constraint', 'table', 'column'] as const) {
    const value = error[key];
    if (typeof value === 'string') fields[key] = value;
  }
  return fields;
}

/** The statement's first line, enough to find it in the code; never its parameters. */
function firstLine(query: string): string {
  const line = query.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
