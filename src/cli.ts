#!/usr/bin/env node
import { main } from './cli-main.js';
import { describeError } from './errors.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`releng: ${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
