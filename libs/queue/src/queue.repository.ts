import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { deadLetterQueueNameFor, QUEUE_NAMES, type QueueName, queueNameFor, type SqsConfig } from '@lockbox/config';
import { isCorrelationId } from '@lockbox/logging';
import { QUEUE_OF, type QueueMessage, serializeQueueMessage } from './queue-message';

const DAY_SECONDS = 86_400;
const DEAD_LETTER_RETENTION_SECONDS = 14 * DAY_SECONDS;
const SOURCE_RETENTION_SECONDS = 4 * DAY_SECONDS;
/** How long listing or redriving hides the dead letters it holds before handing them back. */
const DEAD_LETTER_HOLD_SECONDS = 30;
const SQS_BATCH_MAX = 10;
/**
 * The message attribute that carries the correlation id of the request that queued the job, so the
 * worker's log lines for it carry the id too. The body stays `{type, id}`.
 */
export const CORRELATION_ID_ATTRIBUTE = 'correlationId';

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** How many times SQS has delivered this message, this delivery included. */
  receiveCount: number;
  sentAt: Date;
  /** The request's correlation id the message was sent with, if it had a well-formed one. */
  correlationId?: string;
}

export type DeadLetter = Omit<ReceivedMessage, 'receiptHandle'>;

export interface ReceiveOptions {
  /** 1 to 10; default 1. */
  maxMessages?: number;
  /** Long-poll time, 0 to 20; default from config. */
  waitTimeSeconds?: number;
  /** Overrides the queue's visibility timeout for these deliveries. */
  visibilityTimeoutSeconds?: number;
  /** Aborting a long poll (e.g. on SIGTERM) resolves with no messages. */
  abortSignal?: AbortSignal;
}

export interface SendOptions {
  /** Sent as the CORRELATION_ID_ATTRIBUTE message attribute; ignored unless it is a well-formed id. */
  correlationId?: string | null;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
}

/** The receipt handle no longer refers to a delivery we hold: the message was deleted or redelivered. */
export class MessageNotInFlightError extends Error {
  constructor(
    readonly queue: QueueName,
    detail: string,
  ) {
    super(`Message on queue "${queue}" is no longer in flight: ${detail}`);
    this.name = 'MessageNotInFlightError';
  }
}

function errorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  return `${typeof name === 'string' ? name : ''} ${typeof Code === 'string' ? Code : ''}`;
}

function isQueueMissing(error: unknown): boolean {
  return /QueueDoesNotExist|NonExistentQueue/.test(errorName(error));
}

function isQueueNameTaken(error: unknown): boolean {
  return /QueueNameExists|QueueAlreadyExists/.test(errorName(error));
}

/** Real SQS may answer an expired receipt handle with InvalidParameterValue; the message then simply reappears. */
function isReceiptExpired(error: unknown): boolean {
  return /InvalidParameterValue/.test(errorName(error)) && /receipt handle.*expired/i.test((error as Error).message ?? '');
}

function isNotInFlight(error: unknown): boolean {
  return /MessageNotInflight|ReceiptHandleIsInvalid/.test(errorName(error)) || isReceiptExpired(error);
}

function isAborted(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || /AbortError/.test(errorName(error));
}

function toReceived(message: Message): ReceivedMessage {
  // Anyone who can write to the queue can set attributes: an id that is not well formed is dropped.
  const correlationId = message.MessageAttributes?.[CORRELATION_ID_ATTRIBUTE]?.StringValue;
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
    sentAt: new Date(Number(message.Attributes?.SentTimestamp ?? Date.now())),
    ...(isCorrelationId(correlationId) ? { correlationId } : {}),
  };
}

function attributesFor(correlationId: string | null | undefined): Record<string, MessageAttributeValue> | undefined {
  return isCorrelationId(correlationId) ? { [CORRELATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: correlationId } } : undefined;
}

/**
 * The SQS queues (AWS or the embedded fauxqs): one source queue per QueueName, each with its
 * dead-letter queue. The embedded endpoint keeps queues in memory, so producers and consumers
 * re-create a queue that has vanished instead of failing.
 */
export class QueueRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueRepository.name);
  private readonly client: SQSClient;
  private readonly urls = new Map<string, string>();
  private ensuring?: Promise<void>;

  constructor(private readonly config: SqsConfig) {
    this.client = new SQSClient({
      region: config.region,
      endpoint: config.endpoint,
      credentials: config.credentials,
      requestHandler: { connectionTimeout: 5_000 },
      // Only the SDK's warnings: it logs every request at info and every failed one at error, and failures reach the caller anyway.
      logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (message) => this.logger.warn(message), error: () => undefined },
    });
  }

  /**
   * Creates every queue and its dead-letter queue, and applies the configured attributes to queues that
   * already exist. Idempotent; concurrent callers share one run.
   */
  ensureQueues(): Promise<void> {
    this.ensuring ??= Promise.all(QUEUE_NAMES.map((queue) => this.ensureQueue(queue)))
      .then(() => undefined)
      .finally(() => {
        this.ensuring = undefined;
      });
    return this.ensuring;
  }

  /** Publishes a message to the queue its type belongs to; returns the SQS message id. */
  async send(message: QueueMessage, options: SendOptions = {}): Promise<string> {
    return this.sendBody(QUEUE_OF[message.type], serializeQueueMessage(message), options.correlationId);
  }

  async receive(queue: QueueName, options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    const { abortSignal } = options;
    try {
      const { Messages } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: await this.urlOf(queueNameFor(this.config, queue)),
          MaxNumberOfMessages: options.maxMessages ?? 1,
          WaitTimeSeconds: options.waitTimeSeconds ?? this.config.waitTimeSeconds,
          VisibilityTimeout: options.visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          MessageAttributeNames: [CORRELATION_ID_ATTRIBUTE],
        }),
        { abortSignal },
      );
      return (Messages ?? []).map(toReceived);
    } catch (error) {
      if (isAborted(error, abortSignal)) return [];
      if (!isQueueMissing(error)) throw error;
      this.forget(queue);
      await this.ensureQueues();
      return [];
    }
  }

  /**
   * Acknowledges a delivery. A queue that no longer exists holds no message, and an expired receipt
   * handle only means the message will be delivered again (claims make that harmless); both count as done.
   */
  async delete(queue: QueueName, receiptHandle: string): Promise<void> {
    try {
      await this.client.send(new DeleteMessageCommand({ QueueUrl: await this.urlOf(queueNameFor(this.config, queue)), ReceiptHandle: receiptHandle }));
    } catch (error) {
      if (isQueueMissing(error)) return this.forget(queue);
      if (isReceiptExpired(error)) return;
      throw error;
    }
  }

  /** Extends (or shortens) how long a delivery stays hidden; throws MessageNotInFlightError if it is no longer ours. */
  async changeVisibility(queue: QueueName, receiptHandle: string, seconds: number): Promise<void> {
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: await this.urlOf(queueNameFor(this.config, queue)),
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      if (isQueueMissing(error)) {
        this.forget(queue);
        throw new MessageNotInFlightError(queue, 'the queue no longer exists');
      }
      if (isNotInFlight(error)) throw new MessageNotInFlightError(queue, (error as Error).message);
      throw error;
    }
  }

  /** Answers when the SQS endpoint does; used by health checks. */
  async ping(timeoutMs = 3_000): Promise<void> {
    await this.client.send(new ListQueuesCommand({ QueueNamePrefix: this.config.queuePrefix, MaxResults: 1 }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  }

  /** Messages waiting plus messages in flight (approximate, as SQS reports them). */
  async approximateDepth(queue: QueueName, options: { deadLetter?: boolean } = {}): Promise<number> {
    const depth = await this.depthOf(queue, options.deadLetter ?? false);
    return depth.visible + depth.inFlight;
  }

  /**
   * Up to `max` dead letters of a queue, without removing them. Each listed message is held briefly so
   * that one listing does not return it twice, then made visible again. Listing counts as a receive.
   */
  async listDeadLetters(queue: QueueName, max = 100): Promise<DeadLetter[]> {
    const url = await this.deadLetterUrlOf(queue);
    if (!url) return [];
    const held = new Map<string, ReceivedMessage>();
    try {
      while (held.size < max) {
        const batch = await this.receiveHeld(url, Math.min(SQS_BATCH_MAX, max - held.size));
        const fresh = batch.filter((message) => !held.has(message.messageId));
        if (fresh.length === 0) break;
        for (const message of fresh) held.set(message.messageId, message);
      }
    } finally {
      await this.release(url, [...held.values()]);
    }
    return [...held.values()].map(({ receiptHandle: _handle, ...letter }) => letter);
  }

  /** Moves every dead letter of a queue back to the queue (send, then delete); returns how many moved. */
  async redriveDeadLetters(queue: QueueName): Promise<number> {
    const url = await this.deadLetterUrlOf(queue);
    if (!url) return 0;
    let moved = 0;
    for (;;) {
      const batch = await this.receiveHeld(url, SQS_BATCH_MAX);
      if (batch.length === 0) return moved;
      for (const message of batch) {
        await this.sendBody(queue, message.body, message.correlationId);
        await this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.receiptHandle }));
        moved += 1;
      }
    }
  }

  /** Synchronous, but a promise like every repository's shutdown, which callers await alike. */
  onApplicationShutdown(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  private async sendBody(queue: QueueName, body: string, correlationId?: string | null): Promise<string> {
    const name = queueNameFor(this.config, queue);
    const attempt = async () => {
      const { MessageId } = await this.client.send(
        new SendMessageCommand({ QueueUrl: await this.urlOf(name), MessageBody: body, MessageAttributes: attributesFor(correlationId) }),
      );
      return MessageId ?? '';
    };
    try {
      return await attempt();
    } catch (error) {
      if (!isQueueMissing(error)) throw error;
      this.forget(queue);
      await this.ensureQueues();
      return attempt();
    }
  }

  private async depthOf(queue: QueueName, deadLetter: boolean): Promise<QueueDepth> {
    const name = deadLetter ? deadLetterQueueNameFor(this.config, queue) : queueNameFor(this.config, queue);
    const read = async () => {
      const { Attributes } = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: await this.urlOf(name),
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    };
    try {
      return await read();
    } catch (error) {
      if (!isQueueMissing(error)) throw error;
      this.forget(queue);
      await this.ensureQueues();
      return read();
    }
  }

  private async receiveHeld(url: string, max: number): Promise<ReceivedMessage[]> {
    const { Messages } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: max,
        // A short long-poll: real SQS may answer an immediate receive with nothing while messages wait.
        WaitTimeSeconds: 1,
        VisibilityTimeout: DEAD_LETTER_HOLD_SECONDS,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        // A redriven message keeps its correlation id.
        MessageAttributeNames: [CORRELATION_ID_ATTRIBUTE],
      }),
    );
    return (Messages ?? []).map(toReceived);
  }

  private async release(url: string, messages: ReceivedMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH_MAX) {
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: messages.slice(start, start + SQS_BATCH_MAX).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  private async ensureQueue(queue: QueueName): Promise<void> {
    const deadLetterUrl = await this.createOrUpdate(deadLetterQueueNameFor(this.config, queue), {
      MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS),
    });
    const { Attributes } = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
    if (!Attributes?.QueueArn) throw new Error(`SQS did not report the ARN of ${deadLetterQueueNameFor(this.config, queue)}`);
    await this.createOrUpdate(queueNameFor(this.config, queue), {
      VisibilityTimeout: String(this.config.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(SOURCE_RETENTION_SECONDS),
      ReceiveMessageWaitTimeSeconds: String(this.config.waitTimeSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes.QueueArn, maxReceiveCount: this.config.maxReceiveCount }),
    });
  }

  /** CreateQueue refuses different attributes for an existing name, so an existing queue gets them set instead. */
  private async createOrUpdate(name: string, attributes: Record<string, string>): Promise<string> {
    let url: string;
    try {
      url = (await this.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl ?? '';
    } catch (error) {
      if (!isQueueNameTaken(error)) throw error;
      url = (await this.client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
      await this.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    }
    if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
    this.urls.set(name, url);
    return url;
  }

  private async urlOf(name: string): Promise<string> {
    const cached = this.urls.get(name);
    if (cached) return cached;
    const { QueueUrl } = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`SQS returned no URL for queue ${name}`);
    this.urls.set(name, QueueUrl);
    return QueueUrl;
  }

  /** A vanished dead-letter queue held nothing: re-create the queues and report that there is no URL to read. */
  private async deadLetterUrlOf(queue: QueueName): Promise<string | undefined> {
    try {
      return await this.urlOf(deadLetterQueueNameFor(this.config, queue));
    } catch (error) {
      if (!isQueueMissing(error)) throw error;
      this.forget(queue);
      await this.ensureQueues();
      return undefined;
    }
  }

  private forget(queue: QueueName): void {
    this.urls.delete(queueNameFor(this.config, queue));
    this.urls.delete(deadLetterQueueNameFor(this.config, queue));
  }
}
