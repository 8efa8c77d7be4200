// Every code sample in docs/*.md either parses, validates, type-checks or runs — whichever fits it.
//
// A sample is a fenced block. A marker comment on the line before the fence says more about it:
//   <!-- sample:config -->            a creds config (json or yaml): must pass resolveConfig
//   <!-- sample:run -->               js/mjs: written to a temp folder and run with node; exit 0
//   <!-- sample:output -->            text: exactly what the previous `run` sample prints
//   <!-- sample:typecheck [file=X] --> ts: type-checked with tsc against the built workspace packages
//   <!-- sample:creds-iam-policy -->  json: the IAM actions creds calls for the key route, no more, no less
//   <!-- sample:creds-oidc-policy --> json: the same for the keyless route
//   <!-- sample:workflow -->          yaml: a GitHub Actions workflow; every `with:` of a step that uses
//                                     the creds Action is an input apps/action/action.yml declares,
//                                     and each of its required inputs is given
//   <!-- sample:tutorial [interrupt=W] --> sh: run, in page order, in one new folder outside the
//                                     checkout with `creds` on PATH, as a user pastes them; with
//                                     interrupt=W, `creds run W --sandbox --yes` is first cut off by
//                                     Ctrl-C (SIGINT) after its first step
// Unmarked json and yaml blocks must parse; unmarked ts/js blocks must be valid syntax; sh blocks
// may only use `creds` subcommands, arguments and flags that the built CLI's --help lists.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(docsDir, '..');
const cliBin = join(repoRoot, 'apps', 'cli', 'bin', 'creds.js');
const cliBuilt = existsSync(join(repoRoot, 'apps', 'cli', 'dist', 'main.js'));

interface Sample {
  file: string;
  line: number;
  lang: string;
  code: string;
  marker: string | undefined;
  options: Record<string, string>;
}

/** Fenced blocks of one Markdown file, each with the `<!-- sample:… -->` marker just before it. */
function extractSamples(file: string, text: string): Sample[] {
  const lines = text.split('\n');
  const samples: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence); i++) body.push(lines[i]!);
    let prev = start - 1;
    while (prev >= 0 && lines[prev]!.trim() === '') prev--;
    const mark = prev >= 0 ? /^<!--\s*sample:([\w-]+)((?:\s+[\w-]+=\S+)*)\s*-->$/.exec(lines[prev]!.trim()) : null;
    const options: Record<string, string> = {};
    for (const pair of (mark?.[2] ?? '').trim().split(/\s+/).filter(Boolean)) {
      const [key, value] = pair.split('=');
      options[key!] = value!;
    }
    samples.push({ file, line: start + 1, lang: (open[3] ?? '').toLowerCase(), code: body.join('\n'), marker: mark?.[1], options });
  }
  return samples;
}

const pages = readdirSync(docsDir).filter((f) => f.endsWith('.md'));
const samples = pages.flatMap((file) => extractSamples(file, readFileSync(join(docsDir, file), 'utf8')));
const where = (s: Sample) => `${s.file}:${s.line}`;
const byLang = (...langs: string[]) => samples.filter((s) => langs.includes(s.lang));
const named = (list: Sample[]) => list.map((s) => [where(s), s] as const);

const KNOWN_MARKERS = ['config', 'run', 'output', 'typecheck', 'creds-iam-policy', 'creds-oidc-policy', 'tutorial', 'workflow'];

let work: string;
beforeAll(() => {
  // Inside docs/, so that samples resolve @creds/core and creds from docs/node_modules.
  work = mkdtempSync(join(docsDir, 'test', '.tmp-'));
  writeFileSync(join(work, 'package.json'), '{ "type": "module", "private": true }\n');
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function requireBuilt(pkg: string): void {
  if (!existsSync(join(docsDir, 'node_modules', pkg, 'dist', 'index.js'))) {
    throw new Error(`${pkg} is not built: run \`corepack pnpm turbo run build --filter @creds/docs...\` first`);
  }
}

it('finds the samples, and every marker is one this test knows', () => {
  expect(pages.length).toBeGreaterThan(5);
  expect(samples.length).toBeGreaterThan(20);
  const unknown = samples.filter((s) => s.marker !== undefined && !KNOWN_MARKERS.includes(s.marker)).map(where);
  expect(unknown).toEqual([]);
  const counts: Record<string, number> = {};
  for (const s of samples) {
    const kind = s.marker ?? s.lang ?? 'plain';
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  console.info(`docs samples: ${samples.length} in ${pages.length} pages`, counts);
});

// Outside fenced blocks, VitePress compiles the Markdown as a Vue template: `${{ vars.X }}` in inline
// code is evaluated (and empties the page) unless the element carries v-pre.
it('no Vue interpolation outside fenced blocks, except under v-pre', () => {
  const found: string[] = [];
  for (const file of pages) {
    let fence: string | undefined;
    readFileSync(join(docsDir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const open = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
        if (open && (fence === undefined || open.startsWith(fence))) fence = fence === undefined ? open : undefined;
        else if (fence === undefined && /\{\{/.test(line.replace(/<(\w+) v-pre>.*?<\/\1>/g, ''))) found.push(`${file}:${i + 1}`);
      });
  }
  expect(found).toEqual([]);
});

describe('json samples parse', () => {
  it.each(named(byLang('json', 'jsonc')))('%s', (_, s) => {
    expect(() => JSON.parse(s.code)).not.toThrow();
  });
});

describe('yaml samples parse', () => {
  it.each(named(byLang('yaml', 'yml')))('%s', (_, s) => {
    expect(() => parseYaml(s.code)).not.toThrow();
  });
});

describe('config samples validate with resolveConfig', () => {
  const configs = samples.filter((s) => s.marker === 'config');
  it('there are config samples', () => expect(configs.length).toBeGreaterThan(3));
  it.each(named(configs))('%s', async (_, s) => {
    requireBuilt('@creds/creds');
    const { resolveConfig } = await import('@creds/creds');
    const raw: unknown = s.lang.startsWith('y') ? parseYaml(s.code) : JSON.parse(s.code);
    // A sample may name a policyFile; give it one (a valid policy) in its own folder.
    const dir = mkdtempSync(join(work, 'config-'));
    for (const match of s.code.matchAll(/policyFile"?\s*:\s*"?([\w./-]+)/g)) {
      const path = join(dir, match[1]!);
      mkdirSync(dirname(path), { recursive: true });
      const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] };
      writeFileSync(path, JSON.stringify(policy));
    }
    const config = await resolveConfig(raw, { path: join(dir, 'creds.config.json'), dir });
    expect(config.targets.length).toBeGreaterThan(0);
  });
});

describe('workflow samples use only the creds Action\'s inputs', () => {
  const workflows = samples.filter((s) => s.marker === 'workflow');
  const action = parseYaml(readFileSync(join(repoRoot, 'apps', 'action', 'action.yml'), 'utf8')) as {
    inputs: Record<string, { required?: boolean; default?: unknown }>;
  };
  it('there are workflow samples', () => expect(workflows.length).toBeGreaterThan(0));
  it.each(named(workflows))('%s', (_, s) => {
    const workflow = parseYaml(s.code) as { on?: unknown; jobs?: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }> };
    expect(workflow.on).toBeDefined();
    const steps = Object.values(workflow.jobs ?? {}).flatMap((job) => job.steps ?? []);
    const creds = steps.filter((step) => step.uses?.startsWith('creds-dev/creds/apps/action@'));
    expect(creds.length, 'a step uses creds-dev/creds/apps/action@…').toBeGreaterThan(0);
    for (const step of creds) {
      const given = Object.keys(step.with ?? {});
      expect(given.filter((name) => !Object.hasOwn(action.inputs, name))).toEqual([]);
      const required = Object.entries(action.inputs).filter(([, input]) => input.required && input.default === undefined);
      expect(required.map(([name]) => name).filter((name) => !given.includes(name))).toEqual([]);
    }
  });
});

describe('ts and js samples are valid syntax', () => {
  it.each(named(byLang('ts', 'typescript', 'js', 'javascript', 'mjs')))('%s', (_, s) => {
    const fileName = s.lang.startsWith('t') ? 'sample.ts' : 'sample.mjs';
    const out = ts.transpileModule(s.code, {
      fileName,
      reportDiagnostics: true,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, allowJs: true },
    });
    const problems = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });
});

describe('runnable samples run', () => {
  const runnable = samples.filter((s) => s.marker === 'run');
  it.each(named(runnable))('%s', (_, s) => {
    requireBuilt('@creds/core');
    const file = join(work, `run-${s.file.replace(/\W/g, '_')}-${s.line}.mjs`);
    writeFileSync(file, s.code);
    const result = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8', timeout: 15_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // The `output` sample after it, if any, is what it prints.
    const index = samples.indexOf(s);
    const next = samples.slice(index + 1).find((o) => o.file === s.file);
    if (next?.marker === 'output') {
      const normalise = (text: string) => text.trimEnd().split('\n').map((l) => l.trimEnd());
      expect(normalise(result.stdout)).toEqual(normalise(next.code));
    }
  });
});

describe('typed samples type-check', () => {
  const typed = samples.filter((s) => s.marker === 'typecheck');
  it(`${typed.length} samples against the built packages`, { timeout: 120_000 }, () => {
    requireBuilt('@creds/core');
    requireBuilt('@creds/creds');
    const dir = join(work, 'typecheck');
    mkdirSync(dir, { recursive: true });
    const files = new Map<string, Sample>();
    typed.forEach((s, i) => {
      const name = s.options['file'] ?? `sample-${i}.ts`;
      expect(files.has(name), `${where(s)}: file=${name} is used twice`).toBe(false);
      files.set(name, s);
      writeFileSync(join(dir, name), `${s.code}\n`);
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(repoRoot, 'tsconfig.base.json'),
        compilerOptions: { noEmit: true, declaration: false, sourceMap: false },
        include: ['*.ts'],
      }),
    );
    const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8', timeout: 110_000 });
    // Name each error by the page and line of its sample.
    const errors = `${result.stdout}${result.stderr}`.replace(/^(sample-\d+\.ts|[\w-]+\.ts)\((\d+),\d+\)/gm, (all, name: string, line: string) => {
      const s = files.get(name);
      return s ? `${where(s)} (+${Number(line)})` : all;
    });
    expect(errors.trim()).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('IAM policies match the calls creds makes', () => {
  const source = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? source(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(dir, e.name), 'utf8')] : [],
    );
  // Creating a resource with tags needs the tagging permission as well: IAM authorises both.
  const TAGGED_CREATE: Record<string, string> = {
    'iam:CreateUser': 'iam:TagUser',
    'iam:CreateRole': 'iam:TagRole',
    'iam:CreateOpenIDConnectProvider': 'iam:TagOpenIDConnectProvider',
  };
  const called = new Set<string>();
  for (const text of source(join(repoRoot, 'packages', 'aws-iam', 'src'))) {
    for (const m of text.matchAll(/aws(?:Call|List)\(\s*'(iam:[A-Za-z]+)'/g)) {
      called.add(m[1]!);
      const tag = TAGGED_CREATE[m[1]!];
      if (tag && /\bTags\s*:/.test(text)) called.add(tag);
    }
  }
  const keyless = (action: string) => /Role|OpenIDConnect/.test(action);
  /** The actions the policy allows, each once (a Deny statement grants nothing). */
  const actionsOf = (s: Sample): string[] => {
    const doc = JSON.parse(s.code) as { Statement: Array<{ Effect: string; Action: string | string[] }> };
    const allowed = doc.Statement.filter((st) => st.Effect === 'Allow').flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    return [...new Set(allowed)].sort();
  };

  it.each([
    ['creds-iam-policy', false],
    ['creds-oidc-policy', true],
  ] as const)('%s', (marker, oidc) => {
    const expected = [...called].filter((a) => keyless(a) === oidc).sort();
    if (expected.length === 0) {
      console.warn(`no ${marker} actions found in packages/aws-iam/src; skipping the comparison`);
      return;
    }
    const documented = samples.filter((s) => s.marker === marker);
    expect(documented.length, `a ${marker} sample`).toBeGreaterThan(0);
    for (const s of documented) expect(actionsOf(s), where(s)).toEqual(expected);
  });
});

describe('sh samples use only real creds commands and flags', () => {
  interface Help {
    options: Set<string>;
    commands: Set<string>;
    choices: string[][];
  }
  const helps = new Map<string, Help>();
  const help = (path: string[]): Help => {
    const key = path.join(' ');
    const cached = helps.get(key);
    if (cached) return cached;
    const text = execFileSync(process.execPath, [cliBin, ...path, '--help'], { encoding: 'utf8', timeout: 10_000 });
    const parsed: Help = { options: new Set(), commands: new Set(), choices: [] };
    let section = '';
    for (const line of text.split('\n')) {
      const heading = /^([A-Z][\w ]*):\s*$/.exec(line);
      if (heading) {
        section = heading[1]!;
        continue;
      }
      if (/Options$/.test(section)) {
        for (const m of line.matchAll(/(?:^|[\s,])(--?[\w-]+)/g)) {
          if (/^\s{2}-/.test(line)) parsed.options.add(m[1]!);
        }
      } else if (section === 'Commands') {
        const m = /^ {2}([a-z][\w-]*)/.exec(line);
        if (m) parsed.commands.add(m[1]!);
      } else if (section === 'Arguments') {
        const m = /choices: ((?:"[^"]+",?\s*)+)/.exec(text.slice(text.indexOf(line)));
        if (m) parsed.choices.push([...m[1]!.matchAll(/"([^"]+)"/g)].map((c) => c[1]!));
      }
    }
    helps.set(key, parsed);
    return parsed;
  };

  /** `creds …` invocations in a sh block: lines (after env assignments) that start with creds. */
  const invocations = (code: string): string[][] =>
    code
      .split('\n')
      .map((l) => l.replace(/\s#.*$/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split(/\s+/))
      .map((words) => {
        let i = 0;
        while (i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!)) i++;
        if (words[i] === 'corepack' && words[i + 1] === 'pnpm') i += 2;
        if (words[i] === 'pnpm' && words[i + 1] === 'creds') i += 1;
        if (words[i] === 'npx' && words[i + 1] === '@creds/cli') return words.slice(i + 2);
        return words[i] === 'creds' ? words.slice(i + 1) : undefined;
      })
      .filter((w): w is string[] => w !== undefined);

  const shell = byLang('sh', 'bash', 'shell', 'console');
  it.each(named(shell))('%s', (_, s) => {
    if (!cliBuilt) {
      console.warn(`apps/cli is not built: skipping the check of ${where(s)}`);
      return;
    }
    for (const args of invocations(s.code)) {
      const path: string[] = [];
      const positionals: string[] = [];
      for (const word of args) {
        if (word.startsWith('-')) continue;
        if (positionals.length === 0 && help(path).commands.has(word)) path.push(word);
        else positionals.push(word);
      }
      const line = `creds ${args.join(' ')}`;
      // `creds --version` and the like: options of the program itself.
      const programOptionsOnly = positionals.length === 0 && path.length === 0 && args.length > 0;
      if (!programOptionsOnly) expect(path.length, `${where(s)}: ${line}: no known subcommand`).toBeGreaterThan(0);
      const h = help(path);
      for (const word of args) {
        if (!word.startsWith('-')) continue;
        const flag = word.split('=')[0]!;
        expect(h.options.has(flag), `${where(s)}: ${line}: ${flag} is not an option of creds ${path.join(' ')}`).toBe(true);
      }
      const choices = h.choices[0];
      const first = positionals[0];
      if (choices && first !== undefined && !/^[<[]/.test(first)) {
        expect(choices, `${where(s)}: ${line}: ${first} is not a choice`).toContain(first);
      }
    }
  });
});

describe('the tutorial runs as written', () => {
  const steps = samples.filter((s) => s.marker === 'tutorial');

  it(`${steps.length} blocks, in order, in a new folder with creds on PATH`, async () => {
    if (!cliBuilt) throw new Error('apps/cli is not built: run `corepack pnpm turbo run build --filter @creds/cli...` first');
    expect(steps.length).toBeGreaterThan(3);
    // What `npm install --global @creds/cli` gives: a `creds` command on PATH.
    const home = mkdtempSync(join(tmpdir(), 'creds-tutorial-'));
    try {
      const bin = join(home, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'creds'), `#!/bin/sh\nexec "${process.execPath}" "${cliBin}" "$@"\n`, { mode: 0o755 });
      const env = {
        PATH: `${bin}:${process.env['PATH']}`,
        HOME: home,
        NO_COLOR: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      const state = join(home, '.cwd');
      let cwd = join(home, 'work');
      mkdirSync(cwd);
      for (const s of steps) {
        const interrupted = s.options['interrupt'];
        if (interrupted) {
          const code = await interruptAfterFirstStep(join(bin, 'creds'), ['run', interrupted, '--sandbox', '--yes'], cwd, env);
          expect(code, `${where(s)}: creds run ${interrupted} cut off by Ctrl-C`).toBe(130);
        }
        // Each block in its own shell, starting where the one before it ended (a `cd` carries over).
        const script = `set -e\ncd "${cwd}"\n${s.code}\npwd > "${state}"\n`;
        const result = spawnSync('sh', ['-c', script], { env, encoding: 'utf8', timeout: 60_000 });
        expect(result.status, `${where(s)} exited ${result.status}:\n${result.stdout}${result.stderr}`).toBe(0);
        cwd = readFileSync(state, 'utf8').trim();
      }
      expect(existsSync(join(home, 'work', 'creds-try', '.creds', 'journal'))).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 240_000);
});

/** Starts a command, sends SIGINT once it reports its first finished step, and resolves its exit code. */
function interruptAfterFirstStep(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const watch = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('✓') && !child.killed) child.kill('SIGINT');
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}
