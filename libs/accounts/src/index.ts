export * from './access-token';
export * from './accounts.module';
export * from './api-tokens.service';
export * from './password-hasher';
export * from './seed';
export * from './users.service';
