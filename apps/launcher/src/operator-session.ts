import { operatorAccessToken, operatorAdmin, usersServiceOn } from '@lockbox/accounts';
import type { LockboxClient } from '@lockbox/analysis-sdk/client';
import type { LockboxConfig } from '@lockbox/config';
import { withDataSource } from '@lockbox/db';

/**
 * The admin session of the launcher (which publishes the sample analyses) and of `npm run demo`: a
 * short-lived access token for the operator's admin account, signed with the stack's JWT secret. No
 * admin password is stored anywhere for them to read: the generated one is shown once, and the admin
 * may have changed it since.
 */
export async function operatorSession(config: LockboxConfig, client: LockboxClient): Promise<LockboxClient> {
  const admin = await withDataSource(config.database.url, (dataSource) => operatorAdmin(usersServiceOn(dataSource), config));
  return client.withToken(await operatorAccessToken(config, admin));
}
