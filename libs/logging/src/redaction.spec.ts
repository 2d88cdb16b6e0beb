import { scrubText } from './redaction';

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMiLCJ0eXAiOiJhY2Nlc3MifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('scrubText', () => {
  it.each([
    ['a bearer token', `Authorization: Bearer ${JWT}`, JWT],
    ['a basic credential', 'authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
    ['an access token or event ticket on its own', `token ${JWT} refused`, JWT],
    ['a personal API token', 'revoked lbx_Q2hhbmdlTWVQbGVhc2VJdHNBU2VjcmV0', 'Q2hhbmdlTWVQbGVhc2VJdHNBU2VjcmV0'],
    ['an SSE ticket in a URL', 'GET /api/v1/events?lastEventId=3&ticket=abc.def.ghi', 'abc.def.ghi'],
    ['a database password', 'connect to postgres://lockbox:hunter2hunter2@127.0.0.1:5432/lockbox failed', 'hunter2hunter2'],
    ['a Redis password', 'redis://:s3cr3t-redis@127.0.0.1:6390 is away', 's3cr3t-redis'],
    ['a cookie', 'cookie: lockbox_session=abcdef0123456789', 'abcdef0123456789'],
    ['an email address', 'no account for alice.smith+test@example.co.uk', 'alice.smith+test@example.co.uk'],
    ['what JSON.parse quotes of its input', `Unexpected token 'a', "alice@example.com likes cats" is not valid JSON`, 'likes cats'],
    ['what JSON.parse quotes of a longer input', `Unexpected token 'e', "erin@examp"... is not valid JSON`, 'erin'],
    ['a quoted fragment of invalid JSON', `Bad control character: "{"text":"my diary entry" is not valid JSON`, 'my diary entry'],
    ['the value PostgreSQL refused', 'invalid input syntax for type uuid: "Alice Smith"', 'Alice Smith'],
    ['the key PostgreSQL found taken', 'Key (email)=(bob@example.com) already exists.', 'bob'],
  ])('withholds %s', (_what, text, secret) => {
    expect(scrubText(text)).not.toContain(secret);
  });

  it('keeps what says what happened', () => {
    expect(scrubText('Key (email)=(bob@example.com) already exists.')).toBe('Key (email)=(withheld) already exists.');
    expect(scrubText('invalid input syntax for type uuid: "x"')).toBe('invalid input syntax for type uuid: (withheld value)');
    expect(scrubText('GET /api/v1/events?ticket=abc')).toBe('GET /api/v1/events?ticket=[redacted]');
    expect(scrubText('postgres://lockbox:pw@db:5432/lockbox')).toBe('postgres://[redacted]@db:5432/lockbox');
  });

  it('leaves identifiers, versions, image ids, keys and plain URLs alone', () => {
    const text = [
      'run 3f1c2a9e-5b7d-4c1e-9a2b-7d6e5f4a3b2c: succeeded/exit_code (attempt 2)',
      'loading image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'writing-patterns@1.0.0 published',
      'could not delete raw/user=3f1c2a9e/source=lockbox/date=2026-01-05/dataset=ab12/upload.jsonl',
      'API listening on http://127.0.0.1:3000',
      "Expected ',' or '}' after property value in JSON at position 23",
    ].join('\n');
    expect(scrubText(text)).toBe(text);
  });
});
