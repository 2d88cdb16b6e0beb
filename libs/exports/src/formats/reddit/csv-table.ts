import { type ParseContext, type ParsedItem, skipItem } from '../export-format';
import { FileFault } from '../../faults';
import { readCsvRecords } from '../../streams/csv-records';

/** One data row of a CSV file with a header: its line, and its values by column name. */
export type CsvTableRow = { ok: true; line: number; get: (column: string) => string | undefined } | { ok: false; skip: ParsedItem };

/**
 * The rows of a CSV file whose first record names its columns. The header must name `required`
 * (compared trimmed and case-insensitively); a header that cannot be read fails the file.
 */
export async function* csvTable(input: AsyncIterable<Buffer>, context: ParseContext, required: readonly string[]): AsyncGenerator<CsvTableRow> {
  const { maxCsvColumns, maxCsvFieldBytes, maxCsvRecordBytes } = context.limits;
  const rows = readCsvRecords(input, { maxColumns: maxCsvColumns, maxFieldBytes: maxCsvFieldBytes, maxRecordBytes: maxCsvRecordBytes, gauge: context.gauge });
  let columns: Map<string, number> | undefined;
  for await (const row of rows) {
    if (columns === undefined) {
      if ('skip' in row)
        throw new FileFault(row.skip === 'too_many_columns' ? 'too_many_columns' : 'not_parseable', `the header cannot be read: ${row.message}`);
      columns = new Map(row.fields.map((name, index) => [name.trim().toLowerCase(), index]));
      const missing = required.filter((name) => !columns!.has(name.toLowerCase()));
      if (missing.length > 0) throw new FileFault('missing_columns', `the header has no column ${missing.map((name) => `"${name}"`).join(', ')}`);
      continue;
    }
    if ('skip' in row) {
      yield { ok: false, skip: skipItem(row.skip, row.message, { line: row.line }) };
      continue;
    }
    if (row.fields.length !== columns.size) {
      const message = `the row has ${row.fields.length} columns, the header ${columns.size}`;
      yield { ok: false, skip: skipItem('wrong_column_count', message, { line: row.line }) };
      continue;
    }
    const { fields } = row;
    const index = columns;
    yield {
      ok: true,
      line: row.line,
      get: (column) => {
        const at = index.get(column.toLowerCase());
        return at === undefined ? undefined : fields[at];
      },
    };
  }
  if (columns === undefined) throw new FileFault('not_parseable', 'the file is empty: it has no header');
}
