import { Module } from '@nestjs/common';
import { DatabaseModule, DatasetsRepository } from '@lockbox/db';
import { OutboxModule } from '@lockbox/outbox';
import { StorageModule } from '@lockbox/storage';
import { DatasetController } from './dataset.controller';
import { DatasetService } from './dataset.service';

@Module({
  imports: [DatabaseModule, StorageModule, OutboxModule],
  controllers: [DatasetController],
  providers: [DatasetService, DatasetsRepository],
})
export class DatasetModule {}
