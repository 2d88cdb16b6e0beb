import type { LockboxConfig } from '@lockbox/config';
import type { BrowserSessionsRepository } from '@lockbox/db';
import { BrowserSessionService } from './browser-session.service';

const config = (secret: string) => ({ auth: { jwtSecret: secret, sessionIdleSeconds: 1800, sessionMaxSeconds: 43200 } }) as LockboxConfig;
// The CSRF token needs no database: a stand-in that fails if it is touched.
const noDatabase = {} as BrowserSessionsRepository;

describe('BrowserSessionService CSRF tokens', () => {
  const sessions = new BrowserSessionService(config('x'.repeat(32)), noDatabase);

  it('derives one token per session, which matches only that session', () => {
    const token = sessions.csrfTokenFor('session-a');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.csrfTokenFor('session-a')).toBe(token);
    expect(sessions.csrfTokenMatches('session-a', token)).toBe(true);
    expect(sessions.csrfTokenMatches('session-b', token)).toBe(false);
    expect(sessions.csrfTokenMatches('session-a', undefined)).toBe(false);
    expect(sessions.csrfTokenMatches('session-a', '')).toBe(false);
    expect(sessions.csrfTokenMatches('session-a', `${token}x`)).toBe(false);
  });

  it('depends on the server key, so another stack cannot mint one', () => {
    const other = new BrowserSessionService(config('y'.repeat(32)), noDatabase);
    expect(other.csrfTokenFor('session-a')).not.toBe(sessions.csrfTokenFor('session-a'));
  });
});
