import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { QUEUE_NAMES, type QueueName } from '@lockbox/config';
import { AuditRepository } from '@lockbox/db';
import { DomainError } from '@lockbox/errors';
import { QueueRepository } from '@lockbox/queue';
import { type Caller, CurrentCaller, Roles } from '../auth/auth.decorators';

/** How many dead letters one listing shows; the admin CLI (`npm run admin -- dlq list`) reads more. */
const DEAD_LETTERS_SHOWN = 50;
/** A dead letter's body is shown as text up to this length (a well-formed one is `{type, id}`, far shorter). */
const BODY_SHOWN_CHARS = 300;

export interface QueueView {
  name: QueueName;
  /** Messages waiting plus in flight, as SQS reports them (approximate). */
  depth: number;
  deadLetters: number;
}

export interface DeadLetterView {
  messageId: string;
  /** The job, when the body is the platform's `{type, id}`; null otherwise (then read `body`). */
  job: { type: string; id: string } | null;
  body: string;
  receiveCount: number;
  sentAt: string;
}

function jobOf(body: string): DeadLetterView['job'] {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed !== null && typeof parsed === 'object') {
      const { type, id } = parsed as Record<string, unknown>;
      if (typeof type === 'string' && typeof id === 'string') return { type, id };
    }
  } catch {
    // not JSON: shown as its text
  }
  return null;
}

function queueName(name: string): QueueName {
  const found = QUEUE_NAMES.find((queue) => queue === name);
  if (!found) throw new DomainError('not_found', `No queue "${name.slice(0, 40)}"; the queues are ${QUEUE_NAMES.join(', ')}`);
  return found;
}

/**
 * The job queues for admins (the console's health page): depths, dead letters, and their redrive. A
 * dead letter holds a job's type and id only, never a person's data. Redriving is safe because workers
 * claim each job: one already finished is not run again.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/queues')
export class QueuesController {
  constructor(
    private readonly queue: QueueRepository,
    private readonly auditTrail: AuditRepository,
  ) {}

  @Get()
  async list(): Promise<{ items: QueueView[] }> {
    const items = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const [depth, deadLetters] = await Promise.all([this.queue.approximateDepth(name), this.queue.approximateDepth(name, { deadLetter: true })]);
        return { name, depth, deadLetters };
      }),
    );
    return { items };
  }

  /** Lists a queue's dead letters without removing them (each is held a moment, then visible again). */
  @Get(':name/dead-letters')
  @ApiNotFoundResponse({ description: 'No such queue' })
  async deadLetters(@Param('name') name: string): Promise<{ items: DeadLetterView[] }> {
    const letters = await this.queue.listDeadLetters(queueName(name), DEAD_LETTERS_SHOWN);
    return {
      items: letters.map((letter) => ({
        messageId: letter.messageId,
        job: jobOf(letter.body),
        body: letter.body.slice(0, BODY_SHOWN_CHARS),
        receiveCount: letter.receiveCount,
        sentAt: letter.sentAt.toISOString(),
      })),
    };
  }

  /** Moves every dead letter of the queue back to it, and records who did. */
  @Post(':name/redrive')
  @HttpCode(200)
  @ApiOkResponse({ description: 'How many dead letters went back to the queue', schema: { example: { queue: 'runs', moved: 2 } } })
  @ApiNotFoundResponse({ description: 'No such queue' })
  async redrive(@CurrentCaller() caller: Caller, @Param('name') name: string): Promise<{ queue: QueueName; moved: number }> {
    const queue = queueName(name);
    const moved = await this.queue.redriveDeadLetters(queue);
    await this.auditTrail.recordAlone({
      actorId: caller.id,
      actor: `user:${caller.id}`,
      action: 'queue.redriven',
      targetType: 'queue',
      detail: { queue, moved },
    });
    return { queue, moved };
  }
}
