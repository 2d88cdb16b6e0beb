// The quota lock moved to libs/db with the rest of the SQL; this name stays for the dataset service.
export { lockUserQuotas } from '@lockbox/db';
