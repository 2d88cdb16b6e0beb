export * from './outbox-poller.service';
export * from './outbox.module';
export * from './outbox.service';
