import type { QueueName } from '@lockbox/config';

/**
 * Every message the platform puts on a queue. A message is only a pointer to a row: PostgreSQL is the
 * source of truth, so a handler re-reads the job by id and claims it before doing anything.
 */
export type QueueMessage = { type: 'run.execute'; id: string } | { type: 'dataset.ingest'; id: string } | { type: 'submission.check'; id: string };

export type QueueMessageType = QueueMessage['type'];

/** The message of one type, e.g. for a handler registry keyed by type. */
export type QueueMessageOf<T extends QueueMessageType> = Extract<QueueMessage, { type: T }>;

/** Which queue carries each message type. */
export const QUEUE_OF: Readonly<Record<QueueMessageType, QueueName>> = {
  'run.execute': 'runs',
  'dataset.ingest': 'ingest',
  'submission.check': 'checks',
};

export const QUEUE_MESSAGE_TYPES = Object.freeze(Object.keys(QUEUE_OF)) as readonly QueueMessageType[];

/** A message that can never be handled, however often it is retried. `reason` says why. */
export class PoisonMessageError extends Error {
  constructor(readonly reason: string) {
    super(`Poison queue message: ${reason}`);
    this.name = 'PoisonMessageError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIELDS = new Set(['type', 'id']);

function isMessageType(value: unknown): value is QueueMessageType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(QUEUE_OF, value);
}

/** Checks an already-decoded value against the catalogue; throws PoisonMessageError. */
export function toQueueMessage(value: unknown): QueueMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PoisonMessageError('body is not a JSON object');
  }
  const record = value as Record<string, unknown>;
  const extra = Object.keys(record).filter((field) => !FIELDS.has(field));
  if (extra.length > 0) throw new PoisonMessageError(`unexpected field(s): ${extra.join(', ')}`);
  if (record.type === undefined) throw new PoisonMessageError('type is missing');
  if (!isMessageType(record.type)) {
    throw new PoisonMessageError(`unknown message type ${JSON.stringify(record.type)}`);
  }
  if (typeof record.id !== 'string' || !UUID.test(record.id)) {
    throw new PoisonMessageError(`id must be a UUID (got ${JSON.stringify(record.id) ?? 'nothing'})`);
  }
  return { type: record.type, id: record.id };
}

/** Decodes and checks a queue message body; anything else is poison. */
export function parseQueueMessage(body: string): QueueMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new PoisonMessageError('body is not valid JSON');
  }
  return toQueueMessage(value);
}

/** The wire form; built field by field so nothing but `type` and `id` is ever sent. */
export function serializeQueueMessage(message: QueueMessage): string {
  const checked = toQueueMessage({ type: message.type, id: message.id });
  return JSON.stringify(checked);
}
