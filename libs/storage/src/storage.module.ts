import { Module } from '@nestjs/common';
import { LOCKBOX_CONFIG, type LockboxConfig } from '@lockbox/config';
import { CuratedRecordsReader } from './curated-records';
import { ObjectStorageRepository } from './object-storage.repository';

/** Provides the ObjectStorageRepository; the bucket is created by whoever starts the stack (`ensureBucket`). */
@Module({
  providers: [
    {
      provide: ObjectStorageRepository,
      inject: [LOCKBOX_CONFIG],
      useFactory: (config: LockboxConfig) => new ObjectStorageRepository(config.s3),
    },
    CuratedRecordsReader,
  ],
  exports: [ObjectStorageRepository, CuratedRecordsReader],
})
export class StorageModule {}
