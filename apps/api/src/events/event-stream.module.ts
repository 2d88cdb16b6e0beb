import { Module } from '@nestjs/common';
import { DatabaseModule } from '@lockbox/db';
import { EventsModule } from '@lockbox/events';
import { AuthModule } from '../auth/auth.module';
import { EventStreamConnections } from './event-stream-connections';
import { EventStreamController } from './event-stream.controller';
import { EventStreamService } from './event-stream.service';

/** `GET /events` (SSE) and its tickets. */
@Module({
  imports: [DatabaseModule, EventsModule, AuthModule],
  controllers: [EventStreamController],
  providers: [EventStreamService, EventStreamConnections],
})
export class EventStreamModule {}
