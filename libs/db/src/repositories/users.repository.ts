import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Serialises one user's quota checks: the transaction that counts what the user has and then adds to it
 * takes this first, so two requests at once cannot both take the last slot. `FOR NO KEY UPDATE` leaves
 * rows that merely reference the user (events, audit rows) free to be written meanwhile.
 */
export async function lockUserQuotas(manager: EntityManager, userId: string): Promise<void> {
  await manager.query(`SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, [userId]);
}

/** The `users` rows as services outside libs/accounts touch them: only the quota lock today. */
@Injectable()
export class UsersRepository {
  /** Takes the user's quota lock until the caller's transaction ends (see lockUserQuotas). */
  async lockQuotas(manager: EntityManager, userId: string): Promise<void> {
    await lockUserQuotas(manager, userId);
  }
}
