import type { ConsentScopes } from '@lockbox/analysis-sdk';
import { compare } from 'semver';

/** Versions ordered newest first by semantic version (1.10.0 after 1.9.0; a pre-release before its release). */
export function newestFirst<T extends { version: string }>(versions: readonly T[]): T[] {
  return [...versions].sort((a, b) => compare(b.version, a.version));
}

/**
 * The fields `scopes` reads that `previous` did not, per record kind (kinds with nothing new are left out).
 * With no previous version, everything is new. Shown in the catalogue because consent is given per run and
 * never carried over to another version: a user should see what a new version reads in addition.
 */
export function addedScopes(scopes: ConsentScopes, previous: ConsentScopes | undefined): ConsentScopes {
  const added: Record<string, string[]> = {};
  for (const [kind, fields] of Object.entries(scopes) as Array<[string, string[] | undefined]>) {
    const before = new Set<string>((previous as Record<string, string[] | undefined> | undefined)?.[kind] ?? []);
    const fresh = (fields ?? []).filter((field) => !before.has(field));
    if (fresh.length > 0) added[kind] = fresh;
  }
  return added as ConsentScopes;
}
