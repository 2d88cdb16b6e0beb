import { FileFault } from '../../faults';
import { type EntryParser, type ParsedItem, noteItem, recordItem, skipItem } from '../export-format';
import { metaElements } from '../meta/meta-elements';
import { isObject, own, ownString } from '../../text/json-values';
import { parseEpoch } from '../../text/timestamps';

/** What the messages parsers learn from `profile_information.json`, read before them. */
export interface FacebookOwner {
  name?: string;
}

const MAX_NAME_CHARS = 500;
// Entries of a conversation that are not messages: calls, and people joining or leaving a group.
const NOT_MESSAGES = new Set(['Call', 'Subscribe', 'Unsubscribe']);

/** `profile_information.json`: `profile_v2.name.full_name` (older: `profile.name.full_name`), repaired. */
export function profileParser(owner: FacebookOwner): EntryParser {
  return async function* (input, context) {
    for await (const element of metaElements(input, context, [['profile_v2'], ['profile']])) {
      if (element.kind === 'report') {
        yield element.item;
        continue;
      }
      const name = ownString(own(element.value, 'name'), 'full_name')?.trim();
      if (name !== undefined && name !== '' && name.length <= MAX_NAME_CHARS) owner.name = name;
    }
  };
}

/**
 * One message of a conversation: sent when its `sender_name` is the profile's full name, else received.
 * The export names people only by their display name, so a friend with exactly the person's name would
 * count as the person (documented in docs/data-formats.md).
 */
function facebookMessageRecord(message: unknown, at: readonly number[], ownerName: string): ParsedItem {
  if (!isObject(message)) return skipItem('not_a_record', 'the element is not a message (not an object)', { element: at });
  const type = ownString(message, 'type');
  if (type !== undefined && NOT_MESSAGES.has(type))
    return noteItem('not_imported', 'calls and people joining or leaving a conversation are not messages', { element: at });
  if (own(message, 'is_unsent') === true) return noteItem('not_imported', 'messages the sender unsent are not imported', { element: at });
  const sender = ownString(message, 'sender_name');
  if (sender === undefined || sender === '') return skipItem('missing_field', 'the message has no sender_name', { element: at });
  const timestamp = parseEpoch(own(message, 'timestamp_ms'), 'milliseconds');
  if (timestamp === undefined)
    return skipItem('bad_timestamp', 'timestamp_ms is missing or not milliseconds since 1970 (a date from 1900 to 9999)', { element: at });
  const record: Record<string, unknown> = { kind: 'social.messages', timestamp, platform: 'facebook', direction: sender === ownerName ? 'sent' : 'received' };
  const content = ownString(message, 'content');
  if (content !== undefined && content !== '') record.text = content;
  return recordItem(record, { element: at });
}

/** `messages/<folder>/<conversation>/message_N.json`: the messages one at a time, never the whole conversation. */
export function facebookMessagesParser(owner: FacebookOwner): EntryParser {
  return async function* (input, context) {
    const ownerName = owner.name;
    if (ownerName === undefined) {
      throw new FileFault(
        'needs_account',
        "messages need the export's profile_information.json (the person's name) to tell sent from received, and it has none that could be read",
      );
    }
    for await (const element of metaElements(input, context, [['messages', '*']])) {
      yield element.kind === 'report' ? element.item : facebookMessageRecord(element.value, element.at, ownerName);
    }
  };
}
