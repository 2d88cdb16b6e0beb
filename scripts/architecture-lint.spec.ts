// The lint rule that keeps SQL and the database, Docker, AWS and Redis clients out of apps/ (eslint.config.mjs,
// "the layers"): ESLint with the repository's own configuration, on code planted at an app's path.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');
// An existing service's path, so the planted text is linted as app code with the project's types.
const APP_FILE = join(root, 'apps/api/src/notifications/notifications.service.ts');
const LIB_FILE = join(root, 'libs/db/src/repositories/notifications.repository.ts');

/**
 * ESLint loads its (ESM) configuration with a dynamic import, which jest's module system refuses: the
 * planted files are linted by one child process with ESLint's API, on the same Node, from the repository root.
 */
const LINT_TEXTS = `
  import { ESLint } from 'eslint';
  const planted = JSON.parse(await new Promise((resolve) => { let text = ''; process.stdin.on('data', (chunk) => (text += chunk)); process.stdin.on('end', () => resolve(text)); }));
  const eslint = new ESLint();
  const answers = [];
  for (const { code, filePath } of planted) {
    const [result] = await eslint.lintText(code, { filePath });
    answers.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify(answers));
`;

const cases: Array<{ code: string; filePath: string }> = [];
let answers: string[][] | undefined;

/** Registers a planted file; its problems are read after the one lint run (beforeAll). */
function plant(code: string, filePath = APP_FILE): () => string[] {
  const index = cases.push({ code, filePath }) - 1;
  return () => answers![index]!;
}

function lintPlanted(): string[][] {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', LINT_TEXTS], {
    cwd: root,
    input: JSON.stringify(cases),
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(output.toString('utf8')) as string[][];
}

const IMPORTS: Array<[string, string]> = [
  ['pg', `import { Client } from 'pg';\nexport const client = Client;\n`],
  ['typeorm', `import { DataSource } from 'typeorm';\nexport const source = DataSource;\n`],
  ['@nestjs/typeorm', `import { InjectDataSource } from '@nestjs/typeorm';\nexport const inject = InjectDataSource;\n`],
  ['dockerode', `import Docker from 'dockerode';\nexport const docker = Docker;\n`],
  ['ioredis', `import Redis from 'ioredis';\nexport const redis = Redis;\n`],
  ['@aws-sdk/client-s3', `import { S3Client } from '@aws-sdk/client-s3';\nexport const s3 = S3Client;\n`],
];
const STATEMENTS: Array<[string, string]> = [
  ['a query in a string', `export const sql = 'SELECT id FROM runs WHERE user_id = $1';\n`],
  ['a query in a template', 'export const sql = (table: string) => `UPDATE ${table} SET status = $1 WHERE id = $2`;\n'],
  ['an insert', 'export const sql = `INSERT INTO audit_events (action) VALUES ($1)`;\n'],
  ['a delete', `export const sql = "DELETE FROM events WHERE id = $1";\n`],
  ['a lock', `export const sql = 'SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE';\n`],
];

const importProblems = IMPORTS.map(([name, code]) => [name, plant(code)] as const);
const statementProblems = STATEMENTS.map(([name, code]) => [name, plant(code)] as const);
const allowedInApps = plant(
  [
    `import { NotificationsRepository } from '@lockbox/db';`,
    `export const repository = NotificationsRepository;`,
    `export const hint = 'Select the runs you want from the list, then update them';`,
    '',
  ].join('\n'),
);
const allowedInLibs = plant(
  `import { DataSource } from 'typeorm';\nexport const source = DataSource;\nexport const sql = 'SELECT id FROM runs WHERE user_id = $1';\n`,
  LIB_FILE,
);

beforeAll(() => {
  answers = lintPlanted();
});

describe('the layers rule', () => {
  it.each(importProblems)('refuses an import of %s in apps/', (_name, problems) => {
    expect(problems()).toEqual([expect.stringContaining('docs/architecture.md')]);
  });

  it.each(statementProblems)('refuses %s in apps/', (_name, problems) => {
    expect(problems()).toEqual([expect.stringContaining('repository of libs/db')]);
  });

  it('lets apps/ import the repositories, and words that merely read like SQL in messages', () => {
    expect(allowedInApps()).toEqual([]);
  });

  it('lets the repositories in libs/db hold SQL and TypeORM', () => {
    expect(allowedInLibs()).toEqual([]);
  });
});
