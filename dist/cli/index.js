#!/usr/bin/env node
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ // The require scope
/******/ var __nccwpck_require__ = {};
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

;// CONCATENATED MODULE: external "node:readline/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:readline/promises");
var promises_default = /*#__PURE__*/__nccwpck_require__.n(promises_namespaceObject);
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: ./src/command.ts

/** Inputs every action takes. */
const COMMON_INPUTS = ['config', 'working-directory'];
function commonOptions(inputs, ctx) {
    const dir = path.resolve(ctx.cwd, inputs.string('working-directory', '.'));
    return { dir, configPath: path.resolve(dir, inputs.string('config', 'releng.yml')) };
}
function outputString(v) {
    return typeof v === 'string' ? v : JSON.stringify(v);
}

;// CONCATENATED MODULE: ./src/errors.ts
/**
 * A failure the user can act on. The message is one line: what went wrong, where (file:line, key,
 * URL without credentials) and what to do. Anything else thrown is a bug and shows its stack.
 */
class RelengError extends Error {
    name = 'RelengError';
    constructor(message, options) {
        super(oneLine(message), options);
    }
}
function oneLine(text) {
    return text.replace(/\s*\n\s*/g, ' ').trim();
}
/** Several problems found in one pass (bad fragments, preflight checks): reported together. */
class RelengErrors extends RelengError {
    summary;
    problems;
    name = 'RelengErrors';
    constructor(summary, problems) {
        super(`${summary}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
        this.summary = summary;
        this.problems = problems;
        this.message = [`${oneLine(summary)} (${problems.length} problem${problems.length === 1 ? '' : 's'}):`]
            .concat(problems.map((p) => `  - ${oneLine(p)}`))
            .join('\n');
    }
}
/** Credentials inside URLs (https://user:pass@host) never reach a message. */
function redactUrl(text) {
    return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(:[^/\s@]*)?@/gi, '$1***@');
}
function describeError(err, debug = process.env.RUNNER_DEBUG === '1') {
    if (err instanceof RelengError)
        return redactUrl(debug && err.stack ? err.stack : err.message);
    if (err instanceof Error)
        return redactUrl(debug && err.stack ? err.stack : `${err.name}: ${err.message}`);
    return redactUrl(String(err));
}

;// CONCATENATED MODULE: ./src/commands/build-artifacts.ts


// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
const buildArtifactsCommand = {
    name: 'build-artifacts',
    description: 'build-artifacts',
    inputs: [...COMMON_INPUTS],
    async run() {
        throw new RelengError('stage build-artifacts is not implemented yet');
    },
};

;// CONCATENATED MODULE: ./src/commands/docker-multiarch.ts


// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
const dockerMultiarchCommand = {
    name: 'docker-multiarch',
    description: 'docker-multiarch',
    inputs: [...COMMON_INPUTS],
    async run() {
        throw new RelengError('stage docker-multiarch is not implemented yet');
    },
};

;// CONCATENATED MODULE: ./src/commands/prepare.ts


// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
const prepareCommand = {
    name: 'prepare',
    description: 'prepare',
    inputs: [...COMMON_INPUTS],
    async run() {
        throw new RelengError('stage prepare is not implemented yet');
    },
};

;// CONCATENATED MODULE: ./src/commands/publish.ts


// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
const publishCommand = {
    name: 'publish',
    description: 'publish',
    inputs: [...COMMON_INPUTS],
    async run() {
        throw new RelengError('stage publish is not implemented yet');
    },
};

;// CONCATENATED MODULE: ./src/commands/tag.ts


// Placeholder until the stage lands; the inputs list is the contract of DESIGN.md.
const tagCommand = {
    name: 'tag',
    description: 'tag',
    inputs: [...COMMON_INPUTS],
    async run() {
        throw new RelengError('stage tag is not implemented yet');
    },
};

;// CONCATENATED MODULE: ./src/commands/index.ts





/** Every stage, in pipeline order. The root action and the CLI dispatch through this. */
const COMMANDS = [
    prepareCommand,
    tagCommand,
    buildArtifactsCommand,
    dockerMultiarchCommand,
    publishCommand,
];
function findCommand(name) {
    return COMMANDS.find((c) => c.name === name);
}

;// CONCATENATED MODULE: ./src/inputs.ts

/** As @actions/core reads them: INPUT_ + name with spaces as underscores, upper-cased (hyphens kept). */
function envInputs(env = process.env) {
    return {
        get(name) {
            const v = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
            return v === undefined || v.trim() === '' ? undefined : v.trim();
        },
    };
}
function mapInputs(values) {
    return {
        get(name) {
            const v = values[name];
            return v === undefined || v.trim() === '' ? undefined : v.trim();
        },
    };
}
/** Typed readers; every error names the input. */
class Inputs {
    source;
    constructor(source) {
        this.source = source;
    }
    string(name, fallback) {
        return this.source.get(name) ?? fallback;
    }
    required(name) {
        const v = this.source.get(name);
        if (v === undefined)
            throw new RelengError(`input '${name}' is required: set it in the step's 'with:' (or --${name})`);
        return v;
    }
    bool(name, fallback = false) {
        const v = this.source.get(name);
        if (v === undefined)
            return fallback;
        if (/^(true|yes|1|on)$/i.test(v))
            return true;
        if (/^(false|no|0|off)$/i.test(v))
            return false;
        throw new RelengError(`input '${name}' must be true or false, got '${v}'`);
    }
    /** Newline- or comma-separated; blanks dropped. */
    list(name, fallback = []) {
        const v = this.source.get(name);
        if (v === undefined)
            return fallback;
        return splitList(v);
    }
    choice(name, choices, fallback) {
        const v = this.source.get(name);
        if (v === undefined)
            return fallback;
        if (!choices.includes(v))
            throw new RelengError(`input '${name}' must be one of ${choices.join(', ')}, got '${v}'`);
        return v;
    }
    int(name, fallback, min = -Infinity, max = Infinity) {
        const v = this.source.get(name);
        if (v === undefined)
            return fallback;
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max)
            throw new RelengError(`input '${name}' must be a whole number from ${min} to ${max}, got '${v}'`);
        return n;
    }
}
function splitList(v) {
    return v
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter((s) => s !== '');
}

;// CONCATENATED MODULE: ./src/log.ts
const silentLogger = {
    info() { },
    warning() { },
    debug() { },
    group: (_t, fn) => fn(),
    secret() { },
};
/** Masks registered secrets in console output, as the runner does for ::add-mask::. */
class ConsoleLogger {
    out;
    verbose;
    secrets = [];
    constructor(out = (l) => process.stderr.write(`${l}\n`), verbose = process.env.RUNNER_DEBUG === '1') {
        this.out = out;
        this.verbose = verbose;
    }
    mask(s) {
        let r = s;
        for (const secret of this.secrets)
            r = r.split(secret).join('***');
        return r;
    }
    info(m) {
        this.out(this.mask(m));
    }
    warning(m) {
        this.out(this.mask(`warning: ${m}`));
    }
    debug(m) {
        if (this.verbose)
            this.out(this.mask(`debug: ${m}`));
    }
    async group(title, fn) {
        this.out(this.mask(`▸ ${title}`));
        return fn();
    }
    secret(value) {
        if (value && value.length >= 3 && !this.secrets.includes(value)) {
            this.secrets.push(value);
            this.secrets.sort((a, b) => b.length - a.length);
        }
    }
    maskText(s) {
        return this.mask(s);
    }
}
/** Human-readable byte counts for progress lines and summaries. */
function formatBytes(n) {
    if (n < 1024)
        return `${n} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n / 1024;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
/** Rate-limited progress lines: at most one every `intervalMs`, plus the final one. */
class Progress {
    log;
    label;
    intervalMs;
    last = 0;
    start = Date.now();
    constructor(log, label, intervalMs = 5000) {
        this.log = log;
        this.label = label;
        this.intervalMs = intervalMs;
    }
    update(done, total, bytes, force = false) {
        const now = Date.now();
        if (!force && now - this.last < this.intervalMs)
            return;
        this.last = now;
        const secs = Math.max((now - this.start) / 1000, 0.001);
        const parts = [`${this.label}: ${done}${total !== undefined ? `/${total}` : ''}`];
        if (bytes !== undefined)
            parts.push(`${formatBytes(bytes)}, ${(bytes / 1e6 / secs).toFixed(1)} MB/s`);
        this.log.info(parts.join(', '));
    }
}

;// CONCATENATED MODULE: ./src/summary.ts
const escapeCell = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
function renderMarkdown(summary) {
    const out = [`## ${summary.title}`, ''];
    for (const b of summary.blocks) {
        if (b.heading)
            out.push(`### ${b.heading}`, '');
        if (b.text)
            out.push(b.text, '');
        if (b.table) {
            out.push(`| ${b.table.header.map(escapeCell).join(' | ')} |`);
            out.push(`| ${b.table.header.map(() => '---').join(' | ')} |`);
            for (const r of b.table.rows)
                out.push(`| ${r.map(escapeCell).join(' | ')} |`);
            out.push('');
        }
        if (b.markdown)
            out.push(b.markdown, '');
    }
    return `${out.join('\n').trimEnd()}\n`;
}
function renderText(summary) {
    const out = [summary.title, '='.repeat(summary.title.length)];
    for (const b of summary.blocks) {
        if (b.heading)
            out.push('', b.heading, '-'.repeat(b.heading.length));
        if (b.text)
            out.push(b.text);
        if (b.table)
            out.push(...textTable(b.table));
        if (b.markdown)
            out.push(b.markdown);
    }
    return out.join('\n');
}
function textTable(t) {
    const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
    const line = (cells) => cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd();
    return [line(t.header), line(widths.map((w) => '-'.repeat(w))), ...t.rows.map(line)];
}

;// CONCATENATED MODULE: ./src/cli-main.ts







/**
 * `releng <stage> --kebab-options`: the same stages as the actions, for laptops and rehearsals.
 * Outputs go to stdout as `name=value` lines; logs and the summary to stderr.
 */
function parseArgs(command, args) {
    const values = {};
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
        if (!m)
            throw new RelengError(`unexpected argument '${arg}': options look like --name value (see releng ${command.name} --help)`);
        const name = m[1];
        if (!command.inputs.includes(name))
            throw new RelengError(`unknown option --${name} for 'releng ${command.name}': known options are ${command.inputs.map((n) => `--${n}`).join(', ')}`);
        let value = m[2];
        if (value === undefined) {
            const next = args[i + 1];
            if (next !== undefined && !next.startsWith('--')) {
                value = next;
                i++;
            }
            else
                value = 'true';
        }
        // Repeated list options accumulate, as a multi-line input would.
        values[name] = values[name] !== undefined ? `${values[name]}\n${value}` : value;
    }
    return values;
}
function usage() {
    return [
        'usage: releng <stage> [--option value ...]',
        '',
        'stages:',
        ...COMMANDS.map((c) => `  ${c.name.padEnd(18)} ${c.description}`),
        '',
        'Each option is the input of the same name in actions/<stage>/action.yml; `releng <stage> --help` lists them.',
    ].join('\n');
}
async function main(argv) {
    const [stage, ...rest] = argv;
    if (!stage || stage === '--help' || stage === '-h' || stage === 'help') {
        process.stdout.write(`${usage()}\n`);
        return stage ? 0 : 2;
    }
    const command = findCommand(stage);
    const log = new ConsoleLogger();
    if (!command) {
        process.stderr.write(`releng: unknown stage '${stage}'\n${usage()}\n`);
        return 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`usage: releng ${command.name} ${command.inputs.map((n) => `[--${n} …]`).join(' ')}\n${command.description}\n`);
        return 0;
    }
    try {
        const inputs = new Inputs(mapInputs(parseArgs(command, rest)));
        const ask = process.stdin.isTTY
            ? async (q) => {
                const rl = promises_default().createInterface({ input: process.stdin, output: process.stderr });
                try {
                    return await rl.question(q);
                }
                finally {
                    rl.close();
                }
            }
            : undefined;
        const outcome = await command.run(inputs, { log, env: process.env, cwd: process.cwd(), ask });
        if (outcome.summary)
            log.info(renderText(outcome.summary));
        for (const [k, v] of Object.entries(outcome.outputs))
            process.stdout.write(log.maskText(`${k}=${outputString(v)}\n`));
        return 0;
    }
    catch (err) {
        process.stderr.write(`releng ${command.name}: error: ${log.maskText(describeError(err))}\n`);
        return 1;
    }
}

;// CONCATENATED MODULE: ./src/cli.ts


main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
}, (err) => {
    process.stderr.write(`releng: ${describeError(err)}\n`);
    process.exitCode = 1;
});

