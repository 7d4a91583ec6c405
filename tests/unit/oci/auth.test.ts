// WWW-Authenticate challenges and token claims.
import { describe, expect, test } from 'vitest';
import { parseChallenges, tokenAccess } from '../../../src/oci/auth.js';

describe('WWW-Authenticate', () => {
  test('a Bearer challenge with quoted values holding commas', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:a/b:pull,push' },
      },
    ]);
  });
  test('several challenges, in one header or several (Forgejo)', () => {
    expect(
      parseChallenges('Basic realm="x", Bearer realm="https://r/t",service=s').map((c) => c.scheme),
    ).toEqual(['basic', 'bearer']);
    expect(
      parseChallenges(['Bearer realm="https://git.lix.systems/v2/token"', 'Basic']).map((c) => c.scheme),
    ).toEqual(['bearer', 'basic']);
  });
  test('token claims, when the token is a JWT', () => {
    const claims = { access: [{ type: 'repository', name: 'a/b', actions: ['pull'] }] };
    const jwt = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    expect(tokenAccess(jwt)).toEqual(claims.access);
    expect(tokenAccess('opaque-token')).toBeUndefined();
  });
});
