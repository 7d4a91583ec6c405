/**
 * `${{ }}` evaluation as a runner does it, with npm @actions/expressions. Stricter than a runner on
 * purpose: an unknown context, function or key is an error (a typo must fail the test, not become '').
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';

export class HarnessError extends Error {
  override name = 'HarnessError';
}

/** A dictionary whose missing keys are errors naming the path (`needs.plan.outputs.verison`). */
class StrictDictionary extends data.Dictionary {
  constructor(readonly where: string) {
    super();
  }
  override get(key: string): data.ExpressionData | undefined {
    const v = super.get(key);
    if (v === undefined)
      throw new HarnessError(
        `unknown key '${this.where}.${key}' (known: ${this.pairs()
          .map((p) => p.key)
          .join(', ')})`,
      );
    return v;
  }
}

/** Marks an object whose missing keys are null, as for `run:` step outputs (any name may be written). */
export const OPEN = Symbol('open');
export type Open<T extends object> = T & { [OPEN]: true };
export function open<T extends object>(o: T): Open<T> {
  return Object.assign(Object.create(null), o, { [OPEN]: true }) as Open<T>;
}

export function toData(value: unknown, where: string): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === 'string') return new data.StringData(value);
  if (typeof value === 'number') return new data.NumberData(value);
  if (typeof value === 'boolean') return new data.BooleanData(value);
  if (Array.isArray(value)) {
    const a = new data.Array();
    for (const [i, v] of value.entries()) a.add(toData(v, `${where}[${i}]`));
    return a;
  }
  if (typeof value === 'object') {
    const isOpen = (value as Record<symbol, unknown>)[OPEN] === true;
    const d = isOpen ? new data.Dictionary() : new StrictDictionary(where);
    for (const [k, v] of Object.entries(value)) d.add(k, toData(v, `${where}.${k}`));
    return d;
  }
  throw new HarnessError(`${where}: cannot represent ${typeof value} in an expression`);
}

export type Contexts = Record<string, unknown>;

/** Job status for success()/failure()/cancelled()/always(). */
export interface Status {
  success: boolean;
  failure: boolean;
  cancelled: boolean;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

export function evaluate(expr: string, contexts: Contexts, status?: Status): data.ExpressionData {
  const lexed = new Lexer(expr).lex();
  const functions = status
    ? STATUS_FUNCTIONS.map((name) => ({
        name,
        minArgs: 0,
        maxArgs: 0,
        call: () =>
          new data.BooleanData(
            name === 'always' ? true : name === 'success' ? status.success : status[name as keyof Status],
          ),
      }))
    : [];
  let parsed: ReturnType<Parser['parse']>;
  try {
    parsed = new Parser(lexed.tokens, Object.keys(contexts), functions).parse();
  } catch (e) {
    throw new HarnessError(`expression '${expr}': ${(e as Error).message}`);
  }
  const ctx = new data.Dictionary();
  for (const [k, v] of Object.entries(contexts)) ctx.add(k, toData(v, k));
  try {
    return new Evaluator(parsed, ctx, new Map(functions.map((f) => [f.name, f]))).evaluate();
  } catch (e) {
    throw new HarnessError(`expression '${expr}': ${(e as Error).message}`);
  }
}

export function truthy(d: data.ExpressionData): boolean {
  switch (d.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
      return (d as data.BooleanData).value;
    case data.Kind.Number: {
      const n = (d as data.NumberData).value;
      return n !== 0 && !Number.isNaN(n);
    }
    case data.Kind.String:
      return (d as data.StringData).value !== '';
    default:
      return true;
  }
}

export function toJs(d: data.ExpressionData): unknown {
  switch (d.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.Boolean:
      return (d as data.BooleanData).value;
    case data.Kind.Number:
      return (d as data.NumberData).value;
    case data.Kind.String:
      return (d as data.StringData).value;
    case data.Kind.Array:
      return (d as data.Array).values().map(toJs);
    default:
      return Object.fromEntries((d as data.Dictionary).pairs().map((p) => [p.key, toJs(p.value)]));
  }
}

function asString(d: data.ExpressionData): string {
  if (d.kind === data.Kind.Null) return '';
  if (d.kind === data.Kind.Array || d.kind === data.Kind.Dictionary) return JSON.stringify(toJs(d));
  return d.coerceString();
}

const TEMPLATE = /\$\{\{([\s\S]*?)\}\}/g;

/** A value from the workflow: a lone `${{ x }}` keeps x's type; anything else becomes a string. */
export function interpolate(value: unknown, contexts: Contexts): unknown {
  if (typeof value !== 'string') return value;
  const lone = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
  // `${{ a }}${{ b }}` is two templates, not one expression `a }}${{ b`.
  if (lone && !lone[1]!.includes('}}')) return toJs(evaluate(lone[1]!, contexts));
  return value.replace(TEMPLATE, (_, e: string) => asString(evaluate(e, contexts)));
}

export function interpolateString(value: unknown, contexts: Contexts): string {
  const v = interpolate(value, contexts);
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * An `if:` condition: `${{ }}` optional; without a status function it means `success() && (…)`.
 */
export function condition(expr: unknown, contexts: Contexts, status: Status): boolean {
  if (expr === undefined || expr === null || expr === '') return status.success;
  if (typeof expr === 'boolean') return expr && status.success;
  let text = String(expr).trim();
  const lone = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  if (lone) text = lone[1]!.trim();
  const usesStatus = /\b(success|failure|cancelled|always)\s*\(/i.test(text);
  const full = usesStatus ? text : `success() && (${text})`;
  return truthy(evaluate(full, contexts, status));
}
