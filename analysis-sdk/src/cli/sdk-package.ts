// Files shipped with the SDK package (assets/), found from wherever this module runs: the package's
// dist/ when installed, src/ under the repository's tests.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from './cli-error';

const PACKAGE_NAME = '@lockbox/analysis-sdk';

/** The directory of the SDK's package.json. */
export function sdkPackageDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours; keep looking
      }
    }
    if (dirname(dir) === dir) throw new CliError(`cannot find the ${PACKAGE_NAME} package around ${from}`);
  }
}

export function sdkVersion(): string {
  return (JSON.parse(readFileSync(join(sdkPackageDir(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** `assets/<name>` of the SDK package. */
export function sdkAsset(name: string): string {
  const path = join(sdkPackageDir(), 'assets', name);
  if (!existsSync(path)) throw new CliError(`${path} is missing: the SDK package is incomplete (reinstall it)`);
  return path;
}
