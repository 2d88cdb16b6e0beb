// @lockbox/exports: turns an uploaded export (a platform's "download your data" ZIP, or a JSONL/CSV file)
// into canonical records and an ingest report, streaming and bounded in memory. docs/data-formats.md
// describes every format, the files and fields read, the caps and the reasons in the report.
export * from './limits';
export * from './faults';
export * from './report';
export * from './record-key';
export * from './ingest-export';
export { type ArchiveSource, BufferArchiveSource, FileArchiveSource } from './archive/archive-source';
export { displayName } from './archive/entry-names';
export type { ExportFormat, EntryParser, EntryPlan, EntryRole, FormatPlan, ParsedItem, RecordLocation } from './formats/export-format';
export { EXPORT_FORMATS, MAPPED_FORMATS, type Detection, type ExportFormatName, type RequestedFormat, detectFormat, detectFormats } from './formats/registry';
export { checkMapping, type ExportMapping, type MappingCheck, type TimestampFormat } from './formats/mapped/export-mapping';
