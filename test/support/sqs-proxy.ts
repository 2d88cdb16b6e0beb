// A fault-injection proxy between one worker and the SQS endpoint. It forwards every request untouched
// and keeps a journal of what the worker received, and on request it holds the worker's DeleteMessage
// calls (so the worker can be killed between its commit and its acknowledgement) or holds deliveries
// until several workers have one (so they claim the same job at the same moment). The SDK speaks the
// AWS JSON protocol: the action is in `X-Amz-Target`, request and response are JSON.
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  /** The proxy (one per worker) that passed it on. */
  via: string;
  messageId: string;
  receiptHandle: string;
  queue: string;
  body: string;
  /** The job id named by the body, when it is a platform message. */
  jobId?: string;
  receiveCount: number;
  at: number;
}

/** Deliveries of every proxy of a stack, in the order the workers got them. */
export class SqsJournal {
  readonly deliveries: Delivery[] = [];
  private barrier?: DeliveryBarrier;

  deliveriesOf(jobId: string): Delivery[] {
    return this.deliveries.filter((delivery) => delivery.jobId === jobId);
  }

  /** The next `size` deliveries from the queue whose name ends in `queueSuffix` are handed over together. */
  holdDeliveriesTogether(size: number, queueSuffix: string, timeoutMs = 30_000): DeliveryBarrier {
    this.barrier = new DeliveryBarrier(size, queueSuffix, timeoutMs, () => (this.barrier = undefined));
    return this.barrier;
  }

  /** @internal */
  barrierFor(queue: string): DeliveryBarrier | undefined {
    return this.barrier && queue.endsWith(this.barrier.queueSuffix) ? this.barrier : undefined;
  }
}

class DeliveryBarrier {
  private readonly waiting: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout;
  /** Whether the barrier filled up (rather than timing out). */
  filled = false;
  readonly released: Promise<void>;
  private release!: () => void;

  constructor(
    readonly size: number,
    readonly queueSuffix: string,
    timeoutMs: number,
    private readonly onDone: () => void,
  ) {
    this.released = new Promise((resolve) => (this.release = resolve));
    this.timer = setTimeout(() => this.open(), timeoutMs);
  }

  /** @internal Resolves when the barrier opens. */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length >= this.size) {
        this.filled = true;
        this.open();
      }
    });
  }

  private open(): void {
    clearTimeout(this.timer);
    this.onDone();
    for (const resume of this.waiting.splice(0)) resume();
    this.release();
  }
}

interface HeldRequest {
  body: Buffer;
  request: IncomingMessage;
  response: ServerResponse;
  /** The worker gave up on it (it died, or its connection closed). */
  abandoned: boolean;
}

export class SqsProxy {
  private server?: Server;
  private deletesHeld = false;
  private readonly held: HeldRequest[] = [];
  private readonly upstream: URL;

  constructor(
    readonly name: string,
    upstream: string,
    private readonly journal: SqsJournal,
  ) {
    this.upstream = new URL(upstream);
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error(`sqs proxy ${this.name} is not listening`);
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const held of this.held.splice(0)) held.response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** From now on, DeleteMessage calls are held: the worker waits for an answer that does not come. */
  holdDeletes(): void {
    this.deletesHeld = true;
  }

  /** The receipt handles of the DeleteMessage calls held so far whose worker is still waiting. */
  heldDeletes(): string[] {
    return this.held.filter((held) => !held.abandoned).map((held) => (JSON.parse(held.body.toString()) as { ReceiptHandle: string }).ReceiptHandle);
  }

  /** Forwards the held calls whose worker is still waiting, and stops holding. */
  releaseDeletes(): void {
    this.deletesHeld = false;
    for (const held of this.held.splice(0)) if (!held.abandoned) this.forward(held.request, held.body, held.response);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readAll(request);
    const action = String(request.headers['x-amz-target'] ?? '')
      .split('.')
      .pop();
    if (action === 'DeleteMessage' && this.deletesHeld) {
      const held: HeldRequest = { body, request, response, abandoned: false };
      response.on('close', () => (held.abandoned = true));
      this.held.push(held);
      return;
    }
    this.forward(request, body, response, action === 'ReceiveMessage' ? (bytes) => this.onReceived(body, bytes) : undefined);
  }

  /** Records a ReceiveMessage answer; holds it at the journal's barrier when one is armed. */
  private async onReceived(requestBody: Buffer, responseBody: Buffer): Promise<void> {
    let messages: Array<{ MessageId: string; ReceiptHandle: string; Body: string; Attributes?: Record<string, string> }> = [];
    let queue = '';
    try {
      queue = (JSON.parse(requestBody.toString()) as { QueueUrl: string }).QueueUrl.split('/').pop() ?? '';
      messages = (JSON.parse(responseBody.toString()) as { Messages?: typeof messages }).Messages ?? [];
    } catch {
      return; // an error answer: nothing was delivered
    }
    if (messages.length === 0) return;
    const barrier = this.journal.barrierFor(queue);
    if (barrier) await barrier.wait();
    for (const message of messages) {
      this.journal.deliveries.push({
        via: this.name,
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        queue,
        body: message.Body,
        jobId: jobIdOf(message.Body),
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        at: Date.now(),
      });
    }
  }

  private forward(request: IncomingMessage, body: Buffer, response: ServerResponse, inspect?: (body: Buffer) => Promise<void>): void {
    const upstream = httpRequest(
      { host: this.upstream.hostname, port: this.upstream.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        // Not awaited (an http callback): a failed read or inspection resets the worker's connection, as
        // an endpoint gone away does, instead of leaving it unanswered and the rejection unhandled.
        void readAll(answer)
          .then(async (bytes) => {
            if (inspect && answer.statusCode === 200) await inspect(bytes);
            if (response.destroyed) return;
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            response.end(bytes);
          })
          .catch(() => response.destroy());
      },
    );
    // The endpoint is away: the worker sees its connection reset, as it would without the proxy.
    upstream.on('error', () => response.destroy());
    upstream.end(body);
  }
}

function jobIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
