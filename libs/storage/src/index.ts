export * from './object-storage.repository';
export * from './storage.module';
