import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** How long sessions live, in seconds: LOCKBOX_SESSION_MAX_S after sign-in, LOCKBOX_SESSION_IDLE_S without a request. */
export interface SessionLifetimes {
  maxSeconds: number;
  idleSeconds: number;
}

/** A live session's row, found by its token's hash. */
export interface LiveBrowserSession {
  id: string;
  userId: string;
  epoch: number;
  /** Not seen for longer than the touch interval asked about: its last-seen time is due a write. */
  stale: boolean;
}

/** The console's sessions (`browser_sessions`). Rows hold the SHA-256 of the cookie's token, never the token. */
@Injectable()
export class BrowserSessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The account's sessions past either lifetime go (sign-in sweeps them). */
  async deleteExpiredOf(userId: string, lifetimes: SessionLifetimes): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM browser_sessions WHERE user_id = $1 AND (created_at < now() - make_interval(secs => $2) OR last_seen_at < now() - make_interval(secs => $3))`,
      [userId, lifetimes.maxSeconds, lifetimes.idleSeconds],
    );
  }

  /** A new session's id. */
  async create(tokenHash: Buffer, userId: string, epoch: number): Promise<string> {
    const [row] = (await this.dataSource.query(`INSERT INTO browser_sessions (token_hash, user_id, session_epoch) VALUES ($1, $2, $3) RETURNING id`, [
      tokenHash,
      userId,
      epoch,
    ])) as [{ id: string }];
    return row.id;
  }

  /** The session of this token hash if it is within both lifetimes; `stale` when unseen for `touchAfterSeconds`. */
  async findLive(tokenHash: Buffer, lifetimes: SessionLifetimes, touchAfterSeconds: number): Promise<LiveBrowserSession | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT id, user_id, session_epoch, last_seen_at < now() - make_interval(secs => $2) AS stale
         FROM browser_sessions
        WHERE token_hash = $1
          AND created_at > now() - make_interval(secs => $3)
          AND last_seen_at > now() - make_interval(secs => $4)`,
      [tokenHash, touchAfterSeconds, lifetimes.maxSeconds, lifetimes.idleSeconds],
    )) as Array<{ id: string; user_id: string; session_epoch: number; stale: boolean }>;
    return row && { id: row.id, userId: row.user_id, epoch: row.session_epoch, stale: row.stale };
  }

  async touch(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE browser_sessions SET last_seen_at = now() WHERE id = $1`, [id]);
  }

  async deleteByTokenHash(tokenHash: Buffer): Promise<void> {
    await this.dataSource.query(`DELETE FROM browser_sessions WHERE token_hash = $1`, [tokenHash]);
  }

  /** Every session of the account, in the caller's transaction when given one (a role change). */
  async deleteAllOf(userId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`DELETE FROM browser_sessions WHERE user_id = $1`, [userId]);
  }
}
