// lockbox validate: the manifest checked by the platform's own rules, before anything is built.
import { resolve } from 'node:path';
import { DEFAULT_PLATFORM_LIMITS } from '../../limits';
import { formatByteSize, parseResources, validateManifest } from '../../manifest';
import type { Command } from '../command';
import { ManifestError, readManifestJson } from '../project';

export const validateCommand: Command = {
  name: 'validate',
  brief: "check lockbox.json by the platform's rules",
  synopsis: '[dir]',
  summary:
    "Checks lockbox.json with the platform's own rules: every field, the params JSON Schema, the consent scopes (known record kinds and fields) and the resources against the platform maxima.",
  details: 'Each problem names its field, e.g. "resources.memory must be at most 2g". Exits 1 when there is any.',
  options: {},
  minPositionals: 0,
  maxPositionals: 1,
  async run(args, io) {
    const dir = resolve(io.cwd, args.positionals[0] ?? '.');
    const { manifestPath, value } = await readManifestJson(dir);
    const validation = validateManifest(value, DEFAULT_PLATFORM_LIMITS);
    if (!validation.ok) throw new ManifestError(manifestPath, validation.errors);
    const { manifest } = validation;
    const resources = parseResources(manifest.resources);
    const scopes = Object.entries(manifest.scopes).map(([kind, fields]) => `${kind} (${(fields ?? []).join(', ')})`);
    io.out(
      [
        `${manifestPath} is valid: ${manifest.name} ${manifest.version}`,
        `  reads:     ${scopes.join('; ')}`,
        `  params:    ${Object.keys((manifest.params.properties as object | undefined) ?? {}).join(', ') || 'none'}`,
        `  resources: memory ${formatByteSize(resources.memoryBytes)}, cpu ${resources.cpu}, timeout ${resources.timeoutSeconds} s, output ${formatByteSize(resources.outputBytes)}`,
        `  runtime:   ${manifest.runtime ?? 'runc'}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
