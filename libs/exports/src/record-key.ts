import { createHash } from 'node:crypto';
import { type CanonicalRecord, RECORD_KINDS, type RecordFieldSpec, recordFieldNames } from '@lockbox/analysis-sdk';

function normalized(spec: RecordFieldSpec, value: unknown): unknown {
  if (value === undefined) return null;
  if (spec.format === 'date-time' && typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : new Date(ms).toISOString();
  }
  if (typeof value === 'string') return value.normalize('NFC').replace(/\r\n?/g, '\n').trim();
  return value;
}

/**
 * What, besides its id, tells one record of a kind from another with the same id. A reaction's id is the
 * item reacted to: an upvote and a save of one post are two reactions. A watch's id is the video: each
 * time it was watched is a watch of its own.
 */
function idQualifier(record: CanonicalRecord, specs: Readonly<Record<string, RecordFieldSpec>>): unknown {
  if (record.kind === 'social.reactions') return record.reaction;
  if (record.kind === 'media.watch') return normalized(specs.timestamp!, record.timestamp);
  return '';
}

/**
 * A record's stable key, the same however many times and from whichever upload it is read: its kind,
 * platform and native id where the export has one (with the reaction for a reaction, the time for a
 * watch), else its normalized content (canonical field order, text in NFC with LF newlines and trimmed,
 * timestamps in UTC). SHA-256, hex.
 */
export function recordKey(record: CanonicalRecord): string {
  const id = (record as { id?: string }).id;
  const specs = RECORD_KINDS[record.kind].fields as Readonly<Record<string, RecordFieldSpec>>;
  const identity =
    id !== undefined
      ? ['id', record.kind, record.platform, idQualifier(record, specs), id]
      : [
          'content',
          record.kind,
          ...recordFieldNames(record.kind).map((field) => normalized(specs[field]!, (record as unknown as Record<string, unknown>)[field])),
        ];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}
