export * from './curated-records';
export * from './dataset-keys';
export * from './jsonl-lines';
export * from './object-storage.repository';
export * from './storage.module';
