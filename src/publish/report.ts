import { formatBytes, type Logger } from '../log.js';
import type { Destinations } from './destinations.js';
import {
  type DestinationName,
  type PlannedObject,
  type PublishPlan,
  planTotals,
  type StepName,
  writes,
} from './plan.js';

export interface DestinationRow {
  step: StepName;
  target: string;
  written: number;
  bytes: number;
  skipped: number;
  deleted: number;
  url: string;
}

/** Per step and destination: what was (or would be) written, skipped, deleted. */
export function destinationRows(plan: PublishPlan, dests: Destinations): DestinationRow[] {
  const rows: DestinationRow[] = [];
  for (const s of plan.steps) {
    const byDest = new Map<DestinationName, PlannedObject[]>();
    for (const x of s.objects) byDest.set(x.dest, [...(byDest.get(x.dest) ?? []), x]);
    for (const [dest, objects] of byDest) {
      const d = dests.get(dest);
      const w = objects.filter(writes);
      rows.push({
        step: s.step,
        target: d?.location ?? dest,
        written: w.length,
        bytes: w.reduce((n, x) => n + x.size, 0),
        skipped: objects.filter((x) => x.action === 'skip').length,
        deleted: objects.filter((x) => x.action === 'delete').length,
        url: d?.publicUrl ?? d?.location ?? '',
      });
    }
  }
  return rows;
}

export function pointerState(a: PlannedObject['action']): string {
  if (a === 'replace' || a === 'upload') return 'moved here';
  if (a === 'hold') return 'held';
  if (a === 'skip') return 'here already';
  return a;
}

/** The plan in the log, before confirmation: totals, then a line per step with its notes. */
export function logPlan(plan: PublishPlan, log: Logger): void {
  const t = planTotals(plan);
  log.info(
    `plan for ${plan.version} → ${plan.environmentName}: ${t.upload} object(s) to write (${formatBytes(t.bytes)}), ${t.skip} already there, ${t.delete} stale to delete`,
  );
  const count = (s: PublishPlan['steps'][number], a: PlannedObject['action']) =>
    s.objects.filter((x) => x.action === a).length;
  for (const s of plan.steps) {
    const head = `  ${s.step}${s.target ? ` → ${s.target}` : ''}`;
    if (s.skipped) log.info(`${head}: skipped (${s.skipped})`);
    else if (s.objects.length)
      log.info(
        `${head}: ${s.objects.filter(writes).length} to write, ${count(s, 'skip')} there, ${count(s, 'hold')} held, ${count(s, 'delete')} to delete`,
      );
    else log.info(head);
    for (const n of s.notes) log.info(`    ${n}`);
  }
}
