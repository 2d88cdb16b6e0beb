import { Logger } from '@nestjs/common';
import { QueryLogger } from './query-logger';

describe('QueryLogger', () => {
  afterEach(() => jest.restoreAllMocks());

  it("reports a failed query by its SQLSTATE and the schema names it involves, never its parameters or PostgreSQL's quoted values", () => {
    const logged: unknown[][] = [];
    for (const level of ['debug', 'log', 'warn', 'error'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => void logged.push([level, ...args]));
    const refused = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      constraint: 'users_email_key',
      table: 'users',
      detail: 'Key (email)=(heidi@example.com) already exists.',
    });
    const badValue = Object.assign(new Error('invalid input syntax for type uuid: "Heidi Klum"'), { code: '22P02' });

    new QueryLogger().logQueryError(refused, '\n  INSERT INTO "users"("email", "password_hash") VALUES ($1, $2)\n  RETURNING "id"', [
      'heidi@example.com',
      'scrypt$16384$secret-hash',
    ]);
    new QueryLogger().logQueryError(badValue, 'SELECT * FROM runs WHERE id = $1', ['Heidi Klum']);

    expect(logged).toEqual([
      [
        'debug',
        'query failed (SQLSTATE 23505): INSERT INTO "users"("email", "password_hash") VALUES ($1, $2)',
        { code: '23505', constraint: 'users_email_key', table: 'users' },
      ],
      ['debug', 'query failed (SQLSTATE 22P02): SELECT * FROM runs WHERE id = $1', { code: '22P02' }],
    ]);
    const text = JSON.stringify(logged);
    for (const secret of ['heidi', 'Heidi', 'secret-hash']) expect(text).not.toContain(secret);
  });
});
