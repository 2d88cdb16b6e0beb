import type { EntityManager } from 'typeorm';

/**
 * Serialises one user's quota checks: the transaction that counts what the user has and then adds to it
 * takes this first, so two requests at once cannot both take the last slot. `FOR NO KEY UPDATE` leaves
 * rows that merely reference the user (events, audit rows) free to be written meanwhile.
 */
export async function lockUserQuotas(manager: EntityManager, userId: string): Promise<void> {
  await manager.query(`SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, [userId]);
}
