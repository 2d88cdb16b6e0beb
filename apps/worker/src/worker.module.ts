import { Module } from '@nestjs/common';
import { ConfigModule } from '@lockbox/config';
import { DatabaseModule } from '@lockbox/db';
import { SandboxModule } from '@lockbox/sandbox';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { WorkerIdentity } from './heartbeat/worker-identity';

@Module({
  imports: [ConfigModule.forRoot(), DatabaseModule, SandboxModule],
  providers: [WorkerIdentity, HeartbeatService],
})
export class WorkerModule {}
