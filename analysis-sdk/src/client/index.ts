export * from './lockbox-client';
