import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseImagesOf } from '../docker-cli';
import { sdkPackageDir } from '../sdk-package';
import { nodeMajorOption } from './base.command';

describe('lockbox base build', () => {
  it('builds Node 24 by default, 20 on request, and nothing else', () => {
    expect(nodeMajorOption(undefined)).toBe('24');
    expect(nodeMajorOption('20')).toBe('20');
    expect(nodeMajorOption('v24')).toBe('24');
    expect(() => nodeMajorOption('22')).toThrow("--node must be 24 or 20 (got '22')");
  });

  it("pins the same Node 24 release for the image as the platform's own (.node-version)", () => {
    const script = readFileSync(join(sdkPackageDir(), 'assets/base-image.sh'), 'utf8');
    const release = /^NODE_RELEASE_24=(\d+\.\d+\.\d+)$/m.exec(script)?.[1];
    expect(release).toMatch(/^24\./);
    expect(/^NODE_RELEASE_20=20\.\d+\.\d+$/m.test(script)).toBe(true);
    // The SDK also installs on its own, outside the repository.
    const platformPin = join(sdkPackageDir(), '..', '.node-version');
    if (existsSync(platformPin)) expect(readFileSync(platformPin, 'utf8').trim()).toBe(release);
  });
});

describe('baseImagesOf', () => {
  it("finds the local base images a Dockerfile's FROM lines name", () => {
    expect(baseImagesOf('# built offline\nFROM lockbox/node-base:20\nCOPY main.js /app/main.js\n')).toEqual(['lockbox/node-base:20']);
    expect(baseImagesOf('from --platform=linux/amd64 lockbox/node-base:24 AS build\nFROM scratch\n')).toEqual(['lockbox/node-base:24']);
    expect(baseImagesOf('FROM debian:12\n')).toEqual([]);
  });
});
