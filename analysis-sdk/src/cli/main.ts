#!/usr/bin/env node
// The `lockbox` command (the `bin` of @lockbox/analysis-sdk).
import { runCli } from './cli';
import { processIo } from './cli-io';

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lockbox: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
