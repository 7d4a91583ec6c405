import { silentLogger } from '../../src/log.js';

/** A silent logger that keeps what was registered as a secret. */
export const secretsOf = () => {
  const secrets: string[] = [];
  return { log: { ...silentLogger, secret: (v: string) => secrets.push(v) }, secrets };
};
