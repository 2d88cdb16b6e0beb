// Who is signed in. The session itself lives on the server behind an HttpOnly cookie; the page knows
// only the user and the CSRF token, which it gets at sign-in or, after a reload, from GET /auth/session.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, ApiError, setCsrfToken, setSessionLostHandler } from './api';
import type { BrowserSession, SessionUser } from './types';

interface SessionState {
  /** undefined while the page asks the API; null when nobody is signed in. */
  user: SessionUser | null | undefined;
  /** Set when the server ended the session (timeout, password change elsewhere): the sign-in page says so. */
  endedMessage: string | undefined;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  sessionEnded: (message: string) => void;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const [endedMessage, setEndedMessage] = useState<string | undefined>();

  const adopt = useCallback((session: BrowserSession) => {
    setCsrfToken(session.csrfToken);
    setEndedMessage(undefined);
    setUser(session.user);
  }, []);

  const sessionEnded = useCallback((message: string) => {
    setCsrfToken(undefined);
    setEndedMessage(message);
    setUser(null);
  }, []);

  useEffect(() => {
    setSessionLostHandler(() => sessionEnded('Your session has ended: please sign in again.'));
    api<BrowserSession>('GET', '/auth/session')
      .then(adopt)
      .catch((error: unknown) => {
        if (!(error instanceof ApiError && error.status === 401)) setEndedMessage(error instanceof Error ? error.message : undefined);
        setUser(null);
      });
    return () => setSessionLostHandler(undefined);
  }, [adopt, sessionEnded]);

  const signIn = useCallback(
    async (email: string, password: string) => adopt(await api<BrowserSession>('POST', '/auth/session', { email, password })),
    [adopt],
  );

  const signOut = useCallback(async () => {
    try {
      await api<void>('DELETE', '/auth/session');
    } finally {
      setCsrfToken(undefined);
      setUser(null);
    }
  }, []);

  const value = useMemo(() => ({ user, endedMessage, signIn, signOut, sessionEnded }), [user, endedMessage, signIn, signOut, sessionEnded]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}
