#!/usr/bin/env node
// Cold start of the creds CLI: median wall time of `creds --version` and `creds --help` against
// bare `node -e 0`, each run RUNS times as a fresh process. Build first:
//   corepack pnpm turbo run build --filter @creds/cli...  &&  node bench/cold-start.mjs [runs]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.argv[2] ?? 15);
const cli = fileURLToPath(new URL('../apps/cli/bin/creds.js', import.meta.url));
if (!existsSync(new URL('../apps/cli/dist/main.js', import.meta.url))) {
  console.error('apps/cli is not built: corepack pnpm turbo run build --filter @creds/cli...');
  process.exit(2);
}

const cases = [
  ['node -e 0', ['-e', '0']],
  ['creds --version', [cli, '--version']],
  ['creds --help', [cli, '--help']],
  ['creds run --help', [cli, 'run', '--help']],
];

function time(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// One warm-up of each (file system cache), then interleaved runs so drift hits every case alike.
for (const [, args] of cases) time(args);
const samples = new Map(cases.map(([name]) => [name, []]));
for (let i = 0; i < RUNS; i++) for (const [name, args] of cases) samples.get(name).push(time(args));

const base = median(samples.get('node -e 0'));
console.log(`cold start, median of ${RUNS} runs each (Node ${process.version}, ${process.platform})`);
console.log('| command | median ms | min ms | over node -e 0 |');
console.log('|---|---:|---:|---:|');
for (const [name] of cases) {
  const xs = samples.get(name);
  const med = median(xs);
  const extra = name === 'node -e 0' ? '—' : `+${(med - base).toFixed(1)} ms`;
  console.log(`| ${name} | ${med.toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${extra} |`);
}
