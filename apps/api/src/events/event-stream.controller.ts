import { Controller, Get, Headers, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiProduces, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '@lockbox/errors';
import { AcceptsEventTicket, type Caller, CurrentCaller } from '../auth/auth.decorators';
import { type EventTicket, EventTicketService } from '../auth/event-ticket.service';
import { EVENT_ID_PATTERN, EventStreamQuery } from './dto/event-stream.query';
import { EventStreamService } from './event-stream.service';

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventStreamController {
  constructor(
    private readonly eventStreams: EventStreamService,
    private readonly eventTickets: EventTicketService,
  ) {}

  /**
   * Server-Sent Events of the caller's own events: `id: <id>`, `event: <type>`, `data: <json>`. With
   * Last-Event-ID it first replays the stored events after that id; without, it is live only.
   */
  @Get()
  @AcceptsEventTicket()
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Replay the events after this id' })
  @ApiOkResponse({ description: 'An endless text/event-stream; `:keepalive` comments every 15 s' })
  @ApiTooManyRequestsResponse({
    description: 'The caller has as many streams open as the quota allows, across all API instances (`quota`: `sse_connections`, with `limit` and `inUse`)',
  })
  async stream(
    @CurrentCaller() caller: Caller,
    @Query() query: EventStreamQuery,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    // A browser's automatic reconnect sends the header while keeping the original URL, so the header is newer.
    const lastEventId = lastEventIdHeader || query.lastEventId;
    if (lastEventId !== undefined && !EVENT_ID_PATTERN.test(lastEventId)) throw new DomainError('invalid', 'Last-Event-ID must be an event id');
    await this.eventStreams.stream(caller.id, lastEventId, response);
  }

  /** A ticket for `GET /events?ticket=…`: valid for 60 s, once, and nowhere else. */
  @Post('ticket')
  issueTicket(@CurrentCaller() caller: Caller): Promise<EventTicket> {
    return this.eventTickets.issue(caller);
  }
}
