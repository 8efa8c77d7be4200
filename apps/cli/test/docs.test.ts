import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempDir } from './helpers.js';
import { EVENT_TYPES } from './json-shapes.js';

// docs/cli.md is checked against `--help`, so it cannot go stale: every command has a section, every
// option a command's help lists is in that section (global ones under "Global options").

let doc: string;
let cwd: string;
beforeAll(async () => {
  doc = await readFile(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
  cwd = (await tempDir()).path;
});

function section(heading: RegExp): string {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  if (start === -1) throw new Error(`docs/cli.md has no heading matching ${heading}`);
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

/** Long option names in a help text's option block(s). */
function options(help: string, block: 'Options:' | 'Global Options:'): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(block);
  if (start === -1) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || !line.startsWith(' ')) break;
    const m = /^\s+(?:-\w, )?(--[a-z][\w-]*)/.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

const COMMANDS: Array<[string, string[]]> = [
  ['init', ['init']],
  ['plan', ['plan']],
  ['run', ['run']],
  ['migrate-to-oidc', ['migrate-to-oidc']],
  ['rollback', ['rollback']],
  ['status', ['status']],
  ['doctor', ['doctor']],
  ['journal', ['journal']],
  ['unlock', ['unlock']],
  ['store migrate', ['store', 'migrate']],
  ['sandbox', ['sandbox']],
];

describe('docs/cli.md matches --help', () => {
  it('lists every global option', async () => {
    const help = (await runCli(['--help'], { cwd })).stdout;
    const globals = section(/^## Global options/);
    const found = options(help, 'Options:');
    expect(found.length).toBeGreaterThan(5);
    for (const option of found) expect(globals, `global option ${option}`).toContain(option);
  });

  it('has a section for every command the program lists', async () => {
    const help = (await runCli(['--help'], { cwd })).stdout;
    const block = help.slice(help.indexOf('Commands:'), help.indexOf('Examples:'));
    const listed = [...block.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help' && c !== 'store');
    expect(listed.sort()).toEqual(COMMANDS.map(([name]) => name.split(' ')[0]!).filter((n) => n !== 'store').sort());
  });

  it.each(COMMANDS)('creds %s: every option is documented in its section', async (name, args) => {
    const help = (await runCli([...args, '--help'], { cwd })).stdout;
    const text = section(new RegExp(`^### \`creds ${name}`));
    for (const option of options(help, 'Options:')) {
      if (option === '--help') continue;
      expect(text, `${name} ${option}`).toContain(option);
    }
  });

  it('documents every exit code', () => {
    const codes = section(/^## Exit codes/);
    for (const code of [0, 1, 2, 3, 4, 130]) expect(codes).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  it('documents every --json event type and the result', () => {
    const json = section(/^## `--json` output/);
    for (const type of EVENT_TYPES) expect(json, type).toContain(`| \`${type}\` |`);
    for (const [name] of COMMANDS) expect(json, name).toContain(`| \`${name}\` |`);
  });
});
