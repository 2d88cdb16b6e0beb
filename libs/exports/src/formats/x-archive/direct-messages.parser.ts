import { type EntryParser, type ParsedItem, recordItem, skipItem } from '../export-format';
import { FileFault } from '../../faults';
import { isObject, own, ownArray, ownString } from '../../text/json-values';
import { parseIsoTimestamp } from '../../text/timestamps';
import { linkMap, readableText } from './tweet-text';
import { xElements } from './x-elements';

/** What the messages parser learns from `account.js`, read before it. */
export interface XAccount {
  accountId?: string;
}

const MESSAGES_PATH = ['*', 'dmConversation', 'messages', '*'];

/**
 * One message of `direct-messages.js` (one-to-one: senderId and recipientId) or
 * `direct-messages-group.js` (senderId only). Whether the person sent or received it comes from the
 * account's own id. Conversation events (someone joined, left, renamed it) are not messages.
 */
function messageRecord(element: unknown, at: readonly number[], accountId: string): ParsedItem | undefined {
  const message = own(element, 'messageCreate');
  if (!isObject(message)) return undefined;
  const sender = ownString(message, 'senderId');
  const recipient = ownString(message, 'recipientId');
  let direction: 'sent' | 'received';
  if (sender === accountId) direction = 'sent';
  else if (sender !== undefined && (recipient === undefined || recipient === accountId)) direction = 'received';
  else return skipItem('not_a_participant', "the account is neither the message's sender nor its recipient", { element: at });
  const createdAt = ownString(message, 'createdAt');
  const timestamp = createdAt === undefined ? undefined : parseIsoTimestamp(createdAt);
  if (timestamp === undefined) return skipItem('bad_timestamp', 'createdAt is missing or not an ISO 8601 date-time', { element: at });
  const rawText = ownString(message, 'text');
  const record: Record<string, unknown> = { kind: 'social.messages', timestamp, platform: 'x', direction };
  if (rawText !== undefined) record.text = readableText(rawText, linkMap(ownArray(message, 'urls'), 'expanded'));
  const id = ownString(message, 'id');
  if (id !== undefined) record.id = id;
  return recordItem(record, { element: at });
}

/** The messages of every conversation, one at a time: a long conversation is never held whole. */
export function messagesParser(account: XAccount): EntryParser {
  return async function* (input, context) {
    const { accountId } = account;
    if (accountId === undefined) {
      throw new FileFault('needs_account', "direct messages need the archive's account.js to tell sent from received, and it has none that could be read");
    }
    for await (const element of xElements(input, context, MESSAGES_PATH)) {
      if (!element.ok) {
        yield element.skip;
        continue;
      }
      const item = messageRecord(element.value, element.at, accountId);
      if (item) yield item;
    }
  };
}

/** `account.js`: only the account's id is read, so that messages can be told sent from received. */
export function accountParser(account: XAccount): EntryParser {
  return async function* (input, context) {
    for await (const element of xElements(input, context)) {
      if (!element.ok) {
        yield element.skip;
        continue;
      }
      const id = ownString(own(element.value, 'account'), 'accountId');
      if (id !== undefined && /^\d{1,20}$/.test(id)) account.accountId = id;
    }
  };
}
