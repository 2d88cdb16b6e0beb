import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { api, asClient, clientAddress, createSession, eventually, login, type Session, uniqueEmail } from '../support/session';
import { EventStreamRefused, openEventStream } from '../support/sse';

function expectErrorContract(body: any, statusCode: number): void {
  expect(body).toMatchObject({ statusCode, error: expect.any(String), message: expect.anything() });
  expect(JSON.stringify(body)).not.toMatch(/at .+\.(js|ts):\d+/);
}

/** The test stack's settings (global-setup.ts): 3 free failures per account, 12 per address, backoff capped at 2 s, 5 registrations per address. */
const FREE_FAILURES = 3;
const FREE_FAILURES_PER_ADDRESS = 12;
const BACKOFF_CAP_S = 2;
const REGISTRATIONS_PER_HOUR = 5;

function loginAs(email: string, password: string, address: string) {
  return api('POST', '/auth/login', { body: { email, password }, headers: asClient(address) });
}

function register(body: Record<string, unknown>, address = clientAddress()) {
  return api('POST', '/auth/register', { body, headers: asClient(address) });
}

/** Waits out the Retry-After of a 429, as a client told to would. */
async function waitRetryAfter(response: { headers: Headers }): Promise<void> {
  await sleep(Number(response.headers.get('retry-after')) * 1000 + 100);
}

describe('accounts', () => {
  describe('registration', () => {
    it('creates a user and a developer, never showing the password hash', async () => {
      for (const role of ['user', 'developer']) {
        const email = uniqueEmail(role);
        const response = await register({ email, password: 'long enough password', role });
        expect(response.status).toBe(201);
        expect(response.body).toEqual({ email, role, message: expect.any(String) });
        const token = await login(email, 'long enough password');
        expect((await api('GET', '/me', { token })).body).toEqual({ id: expect.any(String), email, role, createdAt: expect.any(String) });
      }
    });

    it('answers a taken email, whatever its case, exactly as a free one, and changes nothing of the account', async () => {
      const email = uniqueEmail('dup');
      const first = await register({ email, password: 'first password!', role: 'user' });
      const duplicate = await register({ email: email.toUpperCase(), password: 'second password', role: 'developer' });
      expect(first.status).toBe(201);
      expect(duplicate.status).toBe(201);
      // The answer is made of the request alone: nothing in it depends on the account that exists.
      expect(duplicate.body).toEqual({ ...first.body, role: 'developer' });

      expect((await loginAs(email, 'second password', clientAddress())).status).toBe(401);
      const token = await login(email, 'first password!');
      expect((await api('GET', '/me', { token })).body).toMatchObject({ email, role: 'user' });
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
        const response = await register(body);
        expect(response.status).toBe(400);
        expectErrorContract(response.body, 400);
      }
      const unknownField = await register(cases[1]!);
      expect(unknownField.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/isAdmin: unknown field/)]));
      expect((await loginAs(email, 'long enough password', clientAddress())).status).toBe(401);
    });

    it('limits registrations per client address, taken emails included, and leaves other addresses alone', async () => {
      const address = clientAddress();
      const taken = uniqueEmail('taken');
      expect((await register({ email: taken, password: 'long enough password', role: 'user' }, address)).status).toBe(201);
      for (let attempt = 1; attempt < REGISTRATIONS_PER_HOUR; attempt++) {
        expect((await register({ email: uniqueEmail('many'), password: 'long enough password', role: 'user' }, address)).status).toBe(201);
      }
      for (const email of [uniqueEmail('one-too-many'), taken]) {
        const refused = await register({ email, password: 'long enough password', role: 'user' }, address);
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expectErrorContract(refused.body, 429);
      }
      expect((await register({ email: uniqueEmail('elsewhere'), password: 'long enough password', role: 'user' })).status).toBe(201);
    });
  });

  describe('login', () => {
    it('answers 401 for a wrong password and 429 with Retry-After once failures pile up', async () => {
      const user = await createSession('user');
      const address = clientAddress();
      const attempts = [];
      for (let attempt = 0; attempt <= FREE_FAILURES; attempt++) attempts.push((await loginAs(user.email, 'wrong password', address)).status);
      expect(attempts).toEqual([401, 401, 401, 429]);
      const throttled = await loginAs(user.email, user.password, address);
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBe(1);
      expectErrorContract(throttled.body, 429);
    });

    it('backs off rather than locking: the delay doubles up to its cap, and the right password after the wait logs in', async () => {
      const user = await createSession('user');
      // Failures from many addresses, as a distributed attacker would make them: the account's own backoff.
      for (let attempt = 0; attempt < FREE_FAILURES; attempt++) expect((await loginAs(user.email, 'wrong password', clientAddress())).status).toBe(401);
      const waits: number[] = [];
      for (let round = 0; round < 3; round++) {
        const throttled = await loginAs(user.email, 'wrong password', clientAddress());
        expect(throttled.status).toBe(429);
        waits.push(Number(throttled.headers.get('retry-after')));
        await waitRetryAfter(throttled);
        expect((await loginAs(user.email, 'wrong password', clientAddress())).status).toBe(401);
      }
      // 1 s, then 2 s, then 4 s held to the 2 s cap.
      expect(waits).toEqual([1, 2, BACKOFF_CAP_S]);

      const beforeOwner = await loginAs(user.email, user.password, clientAddress());
      expect(beforeOwner.status).toBe(429);
      expect(Number(beforeOwner.headers.get('retry-after'))).toBeLessThanOrEqual(BACKOFF_CAP_S);
      await waitRetryAfter(beforeOwner);
      expect((await loginAs(user.email, user.password, clientAddress())).status).toBe(200);
      // The owner's login starts the account afresh.
      expect((await loginAs(user.email, 'wrong password', clientAddress())).status).toBe(401);
    });

    it('slows one client address across accounts, and not the other addresses', async () => {
      const user = await createSession('user');
      const address = clientAddress();
      const statuses = [];
      for (let attempt = 0; attempt < FREE_FAILURES_PER_ADDRESS; attempt++) statuses.push((await loginAs(uniqueEmail('sprayed'), 'guess', address)).status);
      expect(new Set(statuses)).toEqual(new Set([401]));
      const fromThatAddress = await loginAs(user.email, user.password, address);
      expect(fromThatAddress.status).toBe(429);
      expectErrorContract(fromThatAddress.body, 429);
      expect((await loginAs(user.email, user.password, clientAddress())).status).toBe(200);
    });

    it('does not reveal whether an account exists', async () => {
      const response = await loginAs(uniqueEmail('nobody'), 'whatever it is', clientAddress());
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

    it('lets a login session create personal API tokens, and never a personal API token', async () => {
      const user = await createSession('developer');
      const issued = await api('POST', '/me/tokens', { token: user.token, body: { name: 'from a login' } });
      expect(issued.status).toBe(201);
      const minted = await api('POST', '/me/tokens', { token: issued.body.token, body: { name: 'from a token' } });
      expect(minted.status).toBe(403);
      expectErrorContract(minted.body, 403);
      expect(minted.body.message).toMatch(/personal API token cannot create tokens/);
      expect((await api('GET', '/me/tokens', { token: user.token })).body.items.map((token: { name: string }) => token.name)).toEqual(['from a login']);
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

    it('never writes an event ticket to a log, not even from a refused GET /events', async () => {
      const user = await createSession('user');
      const tickets: string[] = [];
      for (let i = 0; i < 2; i++) tickets.push((await api('POST', '/events/ticket', { token: user.token })).body.ticket);
      const stream = await openEventStream({ ticket: tickets[0] });
      stream.close();
      // Used twice: refused the second time.
      await openEventStream({ ticket: tickets[0] }).then(
        (again) => again.close(),
        () => undefined,
      );
      expect((await api('GET', `/events?ticket=${tickets[1]}&lastEventId=not-an-id`)).status).toBe(400);
      await sleep(500);
      const logs = join(process.env.LOCKBOX_HOME!, 'logs');
      for (const name of readdirSync(logs)) {
        const text = readFileSync(join(logs, name), 'utf8');
        for (const ticket of tickets) expect({ log: name, hasTicket: text.includes(ticket) }).toEqual({ log: name, hasTicket: false });
      }
    });
  });

  describe('POST /me/password', () => {
    async function changePassword(session: Pick<Session, 'token'>, currentPassword: string, newPassword: string, address = clientAddress()) {
      return api('POST', '/me/password', { token: session.token, body: { currentPassword, newPassword }, headers: asClient(address) });
    }

    it('needs the current password, then ends every access token, event ticket and personal API token of the account', async () => {
      const user = await createSession('developer');
      const bystander = await createSession('developer');
      const secondLogin = await login(user.email, user.password);
      const apiToken = (await api('POST', '/me/tokens', { token: user.token, body: { name: 'CLI' } })).body.token as string;
      const ticket = (await api('POST', '/events/ticket', { token: user.token })).body.ticket as string;
      const openStream = await openEventStream({ token: user.token });
      const bystanderStream = await openEventStream({ token: bystander.token });

      const wrong = await changePassword(user, 'not my password', 'a new password!');
      expect(wrong.status).toBe(403);
      expectErrorContract(wrong.body, 403);
      expect((await changePassword(user, user.password, 'too short')).status).toBe(400);
      expect((await changePassword(user, user.password, user.password)).status).toBe(400);
      for (const token of [user.token, secondLogin, apiToken]) expect((await api('GET', '/me', { token })).status).toBe(200);

      const changed = await changePassword(user, user.password, 'a new password!');
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: expect.any(Number) });

      for (const token of [user.token, secondLogin, apiToken]) expect((await api('GET', '/me', { token })).status).toBe(401);
      const ticketStatus = await openEventStream({ ticket }).then(
        (stream) => (stream.close(), stream.status),
        (refused: EventStreamRefused) => refused.status,
      );
      expect(ticketStatus).toBe(401);
      expect((await api('GET', '/me/tokens', { token: changed.body.accessToken })).body.items).toEqual([]);
      expect((await api('GET', '/me', { token: changed.body.accessToken })).body).toMatchObject({ id: user.id });
      expect((await loginAs(user.email, user.password, clientAddress())).status).toBe(401);
      expect((await loginAs(user.email, 'a new password!', clientAddress())).status).toBe(200);
      expect((await api('GET', '/me', { token: bystander.token })).status).toBe(200);
      // A stream opened before the change ends with it; another account's stays open.
      await eventually(async () => (openStream.ended ? true : undefined), 10_000, 'the open event stream to end');
      expect(bystanderStream.ended).toBe(false);
      openStream.close();
      bystanderStream.close();
    });

    it('throttles wrong current passwords as it throttles logins, on the same account', async () => {
      const user = await createSession('user');
      const statuses = [];
      for (let attempt = 0; attempt <= FREE_FAILURES; attempt++) statuses.push((await changePassword(user, `guess ${attempt}`, 'a new password!')).status);
      expect(statuses).toEqual([403, 403, 403, 429]);
      expect((await loginAs(user.email, user.password, clientAddress())).status).toBe(429);
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

    it("changes another account's role for admins only, ending everything that authenticated it with the old role", async () => {
      const person = await createSession('user');
      for (const role of ['user', 'developer'] as const) {
        const session = await createSession(role);
        const refused = await api('POST', `/users/${person.id}/role`, { token: session.token, body: { role: 'admin' } });
        expect(refused.status).toBe(403);
        expectErrorContract(refused.body, 403);
      }
      const personalToken = (await api('POST', '/me/tokens', { token: person.token, body: { name: 'before the change' } })).body.token as string;
      expect((await api('GET', '/me', { token: personalToken })).status).toBe(200);
      const admin = await createSession('admin');
      const openStream = await openEventStream({ token: person.token });

      const changed = await api('POST', `/users/${person.id}/role`, { token: admin.token, body: { role: 'developer' } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ id: person.id, email: person.email, role: 'developer' });
      // The access token, the personal API token and the event stream carried the old role: all end.
      await eventually(async () => (openStream.ended ? true : undefined), 10_000, 'the open event stream to end');
      openStream.close();
      expect((await api('GET', '/me', { token: person.token })).status).toBe(401);
      expect((await api('GET', '/me', { token: personalToken })).status).toBe(401);
      const again = await login(person.email, person.password);
      expect((await api('GET', '/me', { token: again })).body.role).toBe('developer');
      expect((await api('GET', '/datasets', { token: again })).status).toBe(403);
      expect((await api('GET', '/submissions', { token: again })).status).toBe(200);

      const unchanged = await api('POST', `/users/${person.id}/role`, { token: admin.token, body: { role: 'developer' } });
      expect(unchanged.status).toBe(200);
      expect((await api('GET', '/me', { token: again })).status).toBe(200);

      const own = await api('POST', `/users/${admin.id}/role`, { token: admin.token, body: { role: 'user' } });
      expect(own.status).toBe(409);
      expectErrorContract(own.body, 409);
      expect((await api('GET', '/users?limit=1', { token: admin.token })).status).toBe(200);
      const unknown = await api('POST', '/users/00000000-0000-4000-8000-000000000000/role', { token: admin.token, body: { role: 'user' } });
      expect(unknown.status).toBe(404);
      for (const role of ['root', '', 'Admin']) {
        const invalid = await api('POST', `/users/${person.id}/role`, { token: admin.token, body: { role } });
        expect(invalid.status).toBe(400);
        expectErrorContract(invalid.body, 400);
      }
    });

    it('answers 400, not 500, for offsets and limits that are not small whole numbers', async () => {
      const admin = await createSession('admin');
      for (const query of ['offset=1e19', 'offset=99999999999999999999', 'offset=-1', 'offset=1.5', 'offset=abc', 'limit=1e2', 'offset=1&offset=2']) {
        const response = await api('GET', `/users?${query}`, { token: admin.token });
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        expectErrorContract(response.body, 400);
      }
      expect((await api('GET', '/users?offset=1000000&limit=1', { token: admin.token })).status).toBe(200);
    });
  });
});
