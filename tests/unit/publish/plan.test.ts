import { describe, expect, test } from 'vitest';
import {
  newStep,
  type PublishPlan,
  planJson,
  planTotals,
  stepsToRun,
  writes,
} from '../../../src/publish/plan.js';

describe('the plan', () => {
  test('the plan output: totals, per step, each object with its action', () => {
    const plan: PublishPlan = {
      version: '2.93.0',
      environmentName: 'staging',
      dryRun: true,
      steps: [
        {
          step: 'releases',
          target: 's3://releases',
          notes: [],
          objects: [
            { dest: 'releases', key: 'a', size: 10, sha256: 'x', kind: 'versioned', action: 'upload' },
            { dest: 'releases', key: 'b', size: 5, sha256: 'y', kind: 'versioned', action: 'skip' },
          ],
        },
        { step: 'tag', notes: ['tag 2.93.0: to push'], objects: [], skipped: undefined },
      ],
    };
    expect(planJson(plan)).toEqual({
      version: '2.93.0',
      environment: 'staging',
      dryRun: true,
      totals: { upload: 1, bytes: 10, skip: 1, delete: 0 },
      steps: [
        {
          step: 'releases',
          target: 's3://releases',
          notes: [],
          objects: [
            { dest: 'releases', key: 'a', size: 10, action: 'upload', kind: 'versioned' },
            { dest: 'releases', key: 'b', size: 5, action: 'skip', kind: 'versioned' },
          ],
        },
        { step: 'tag', notes: ['tag 2.93.0: to push'], objects: [] },
      ],
    });
  });
});

describe('which steps run', () => {
  test('skip leaves steps out; installers and docs need something to publish; the branch needs push-branch', () => {
    const all = { installers: true, manual: true, pushBranch: true };
    expect(stepsToRun(new Set(), all)).toEqual({
      cache: true,
      docker: true,
      dockerPointers: true,
      releases: true,
      installers: true,
      docs: true,
      tag: true,
      branch: true,
      page: true,
    });
    // skip: docker leaves the images to an earlier job; their pointer tags still move unless skipped too.
    expect(stepsToRun(new Set(['docker']), all)).toMatchObject({ docker: false, dockerPointers: true });
    expect(stepsToRun(new Set(['docker', 'docker-pointers']), all)).toMatchObject({
      docker: false,
      dockerPointers: false,
    });
    expect(stepsToRun(new Set(['cache', 'release-page', 'branch']), all)).toMatchObject({
      cache: false,
      page: false,
      branch: false,
      tag: true,
    });
    expect(stepsToRun(new Set(), { installers: false, manual: false, pushBranch: false })).toMatchObject({
      installers: false,
      docs: false,
      branch: false,
    });
  });

  test('a new step has no objects and no notes unless given; totals count writes, skips and deletes', () => {
    expect(newStep('index', { skipped: 'skip: releases' })).toEqual({
      step: 'index',
      objects: [],
      notes: [],
      target: undefined,
      skipped: 'skip: releases',
    });
    const o = (action: 'upload' | 'overwrite' | 'replace' | 'skip' | 'hold' | 'delete', size: number) => ({
      dest: 'docs' as const,
      key: action,
      size,
      sha256: '',
      kind: 'pointer' as const,
      action,
    });
    const plan: PublishPlan = {
      version: '1',
      environmentName: 'e',
      dryRun: false,
      steps: [
        newStep('docs', {
          objects: [
            o('upload', 1),
            o('overwrite', 2),
            o('replace', 4),
            o('skip', 8),
            o('hold', 16),
            o('delete', 32),
          ],
        }),
      ],
    };
    expect(planTotals(plan)).toEqual({ upload: 3, bytes: 7, skip: 1, delete: 1 });
    expect(plan.steps[0]!.objects.filter(writes).map((x) => x.action)).toEqual([
      'upload',
      'overwrite',
      'replace',
    ]);
  });
});
