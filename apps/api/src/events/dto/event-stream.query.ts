import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

/** Event ids are the `events` table's bigserial. */
export const EVENT_ID_PATTERN = /^\d{1,18}$/;

export class EventStreamQuery {
  @ApiPropertyOptional({ description: 'Single-use ticket from POST /events/ticket, for EventSource, which cannot send headers' })
  @IsOptional()
  @IsString()
  ticket?: string;

  @ApiPropertyOptional({
    description: 'Replay the events after this id; for a new EventSource, which cannot set the Last-Event-ID header (the header wins)',
    pattern: EVENT_ID_PATTERN.source,
  })
  @IsOptional()
  @Matches(EVENT_ID_PATTERN, { message: 'must be an event id' })
  lastEventId?: string;
}
