import type { Request, Response } from 'express';
import { clearSessionCookie, SESSION_COOKIE, sessionTokenOf, setSessionCookie } from './session-cookie';

const requestWith = (cookie: string | undefined) => ({ headers: { cookie } }) as unknown as Request;

describe('the session cookie', () => {
  it('is read from among other cookies, by its exact name', () => {
    expect(sessionTokenOf(requestWith(`a=1; ${SESSION_COOKIE}=tok-en; b=2`))).toBe('tok-en');
    expect(sessionTokenOf(requestWith(`x${SESSION_COOKIE}=nope; lockbox_session=nope`))).toBeUndefined();
    expect(sessionTokenOf(requestWith(undefined))).toBeUndefined();
  });

  it('is set __Host-, Secure, HttpOnly, SameSite=Strict, for the whole site, and cleared the same way', () => {
    const set: string[] = [];
    const response = { append: (_name: string, value: string) => set.push(value) } as unknown as Response;
    setSessionCookie(response, 'secret', 43200);
    clearSessionCookie(response);
    expect(set[0]).toBe('__Host-lockbox_session=secret; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200');
    expect(set[1]).toBe('__Host-lockbox_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0');
  });
});
