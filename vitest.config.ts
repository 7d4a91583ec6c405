import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // unit, integration (real servers, nix, git) and e2e (the release workflow through the runner harness).
    include: ['tests/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // Integration tests start real servers and run real nix/git: generous, not timed.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // @actions/workflow-parser imports its schema JSON without an import attribute, which Node's own
    // loader refuses; bundling it through vite handles the JSON.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci/report.json' }]] : ['default'],
  },
});
