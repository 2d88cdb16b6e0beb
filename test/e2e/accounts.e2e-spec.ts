import { api, createSession, uniqueEmail } from '../support/session';

function expectErrorContract(body: any, statusCode: number): void {
  expect(body).toMatchObject({ statusCode, error: expect.any(String), message: expect.anything() });
  expect(JSON.stringify(body)).not.toMatch(/at .+\.(js|ts):\d+/);
}

describe('accounts', () => {
  describe('registration', () => {
    it('creates a user and a developer, never showing the password hash', async () => {
      for (const role of ['user', 'developer']) {
        const email = uniqueEmail(role);
        const response = await api('POST', '/auth/register', { body: { email, password: 'long enough password', role } });
        expect(response.status).toBe(201);
        expect(response.body).toEqual({ id: expect.any(String), email, role, createdAt: expect.any(String) });
      }
    });

    it('answers 409 for an email already registered, whatever its case, and keeps the first account', async () => {
      const email = uniqueEmail('dup');
      expect((await api('POST', '/auth/register', { body: { email, password: 'first password!', role: 'user' } })).status).toBe(201);
      const duplicate = await api('POST', '/auth/register', { body: { email: email.toUpperCase(), password: 'second password', role: 'developer' } });
      expect(duplicate.status).toBe(409);
      expectErrorContract(duplicate.body, 409);
      expect((await api('POST', '/auth/login', { body: { email, password: 'first password!' } })).status).toBe(200);
    });

    it('refuses self-registration as admin, unknown fields and bad values with 400, creating nothing', async () => {
      const email = uniqueEmail('bad');
      const cases = [
        { email, password: 'long enough password', role: 'admin' },
        { email, password: 'long enough password', role: 'user', isAdmin: true },
        { email: 'not-an-email', password: 'long enough password', role: 'user' },
        { email, password: 'short', role: 'user' },
      ];
      for (const body of cases) {
        const response = await api('POST', '/auth/register', { body });
        expect(response.status).toBe(400);
        expectErrorContract(response.body, 400);
      }
      const unknownField = await api('POST', '/auth/register', { body: cases[1] });
      expect(unknownField.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/isAdmin: unknown field/)]));
      expect((await api('POST', '/auth/login', { body: { email, password: 'long enough password' } })).status).toBe(401);
    });
  });

  describe('login', () => {
    it('answers 401 for a wrong password and 429 with Retry-After once failures pile up', async () => {
      const user = await createSession('user');
      const attempts = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        attempts.push((await api('POST', '/auth/login', { body: { email: user.email, password: 'wrong password' } })).status);
      }
      // The test stack allows 3 failures per window (LOCKBOX_LOGIN_MAX_FAILURES=3).
      expect(attempts).toEqual([401, 401, 401, 429]);
      const throttled = await api('POST', '/auth/login', { body: { email: user.email, password: user.password } });
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      expectErrorContract(throttled.body, 429);
    });

    it('does not reveal whether an account exists', async () => {
      const response = await api('POST', '/auth/login', { body: { email: uniqueEmail('nobody'), password: 'whatever it is' } });
      expect(response.status).toBe(401);
      expect(response.body.message).toBe('Email or password is wrong');
    });
  });

  describe('tokens', () => {
    it('requires a bearer token everywhere but the public routes', async () => {
      for (const token of [undefined, 'garbage', 'lbx_not-a-real-token', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
        const response = await api('GET', '/me', { token });
        expect(response.status).toBe(401);
        expectErrorContract(response.body, 401);
      }
    });

    it('issues personal API tokens that work as bearer tokens until revoked', async () => {
      const user = await createSession('developer');
      const me = await api('GET', '/me', { token: user.token });
      expect(me.body).toMatchObject({ id: user.id, email: user.email, role: 'developer' });

      const issued = await api('POST', '/me/tokens', { token: user.token, body: { name: 'laptop CLI' } });
      expect(issued.status).toBe(201);
      expect(issued.body.token).toMatch(/^lbx_/);
      expect((await api('GET', '/me', { token: issued.body.token })).body.id).toBe(user.id);

      const listed = await api('GET', '/me/tokens', { token: user.token });
      expect(listed.body.items).toEqual([expect.objectContaining({ id: issued.body.id, name: 'laptop CLI' })]);
      expect(JSON.stringify(listed.body)).not.toContain(issued.body.token);

      expect((await api('DELETE', `/me/tokens/${issued.body.id}`, { token: user.token })).status).toBe(204);
      expect((await api('GET', '/me', { token: issued.body.token })).status).toBe(401);
    });

    it("cannot revoke someone else's token", async () => {
      const owner = await createSession('user');
      const other = await createSession('user');
      const issued = await api('POST', '/me/tokens', { token: owner.token, body: { name: 'mine' } });
      expect((await api('DELETE', `/me/tokens/${issued.body.id}`, { token: other.token })).status).toBe(404);
      expect((await api('GET', '/me', { token: issued.body.token })).status).toBe(200);
    });

    it('rejects unknown fields when creating a token', async () => {
      const user = await createSession('user');
      const response = await api('POST', '/me/tokens', { token: user.token, body: { name: 'x', scope: 'admin' } });
      expect(response.status).toBe(400);
    });
  });

  describe('roles', () => {
    it('keeps admin routes from users and developers (403) and opens them to admins', async () => {
      for (const role of ['user', 'developer'] as const) {
        const session = await createSession(role);
        const response = await api('GET', '/users', { token: session.token });
        expect(response.status).toBe(403);
        expectErrorContract(response.body, 403);
      }
      const admin = await createSession('admin');
      const listed = await api('GET', '/users?limit=5', { token: admin.token });
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({ limit: 5, offset: 0, total: expect.any(Number) });
      expect(JSON.stringify(listed.body)).not.toMatch(/password/i);
    });
  });
});
