// lockbox build: the analysis image alone (run and pack build it too).
import type { Command } from '../command';
import { buildAnalysisImage } from '../image-build';
import { loadProject } from '../project';

export const buildCommand: Command = {
  name: 'build',
  brief: 'bundle and build the analysis image',
  synopsis: '[dir]',
  summary: 'Bundles src/main.ts with esbuild and builds the analysis image FROM the local base image, offline. Prints the image ID.',
  options: {},
  minPositionals: 0,
  maxPositionals: 1,
  async run(args, io) {
    const project = await loadProject(io.cwd, args.positionals[0]);
    const image = await buildAnalysisImage(project, io.env, (line) => io.err(`${line}\n`));
    io.err(`built ${image.tag}\n`);
    io.out(`${image.imageId}\n`);
    return 0;
  },
};
