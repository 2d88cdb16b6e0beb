import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { User, type UserRole } from '../entities/user.entity';

/**
 * Serialises one user's quota checks: the transaction that counts what the user has and then adds to it
 * takes this first, so two requests at once cannot both take the last slot. `FOR NO KEY UPDATE` leaves
 * rows that merely reference the user (events, audit rows) free to be written meanwhile.
 */
export async function lockUserQuotas(manager: EntityManager, userId: string): Promise<void> {
  await manager.query(`SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, [userId]);
}

/** The `users` rows as services outside libs/accounts touch them: the quota lock and an admin's role change. */
@Injectable()
export class UsersRepository {
  /** Takes the user's quota lock until the caller's transaction ends (see lockUserQuotas). */
  async lockQuotas(manager: EntityManager, userId: string): Promise<void> {
    await lockUserQuotas(manager, userId);
  }

  /**
   * Gives the account `role`, in the caller's transaction, with the row locked. A change ends what
   * authenticated it under the old role: its access tokens (the session epoch goes up), its personal API
   * tokens (revoked) and its browser sessions. The role it had and the account as it is now; undefined
   * when there is no such account.
   */
  async changeRole(manager: EntityManager, id: string, role: UserRole): Promise<{ from: UserRole; user: User } | undefined> {
    const [before] = (await manager.query(`SELECT role FROM users WHERE id = $1 FOR UPDATE`, [id])) as Array<{ role: UserRole }>;
    if (!before) return undefined;
    if (before.role !== role) {
      await manager.query(`UPDATE users SET role = $2, session_epoch = session_epoch + 1 WHERE id = $1`, [id, role]);
      await manager.query(`UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [id]);
      await manager.query(`DELETE FROM browser_sessions WHERE user_id = $1`, [id]);
    }
    return { from: before.role, user: await manager.findOneByOrFail(User, { id }) };
  }
}
