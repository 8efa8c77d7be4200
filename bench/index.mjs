#!/usr/bin/env node
// `pnpm bench`: every figure of docs/performance.md, each ratio measured in this one run.
//   corepack pnpm bench            (builds first)
//   node bench/index.mjs           (after a build)
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ms, ratio } from './_lib.mjs';
import { benchFleet, REPOS, TIME_SCALE, WRITES_PER_MINUTE } from './fleet.mjs';
import { benchRotate, PROPAGATION_MS, RUN_AFTER_SWITCH_MS } from './rotate.mjs';
import { benchSetup, LATENCY } from './setup.mjs';

const COLD_RUNS = 15;
const out = [];
const print = (line = '') => {
  out.push(line);
  console.log(line);
};
const progress = (what) => process.stderr.write(`bench: ${what}…\n`);

print(`creds benchmarks — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${new Date().toISOString().slice(0, 10)}`);

progress(`setup of one repository with ${LATENCY} ms per call (3 runs of each, median)`);
const setup = await benchSetup(3);
print();
print(`## Setup of one repository, ${LATENCY} ms added to every sandbox call`);
print();
print("Serial rounds are counted from the servers' logs: the longest chain of calls each starting after the previous one ended. IAM accepts a new key at once here, as for the round counts; the last row turns AWS's propagation delay on.");
print();
print("| run | serial rounds of API calls | calls | wall time | vs the original's process |");
print('|---|---:|---:|---:|---:|');
const row = (name, r) => print(`| ${name} | ${r.rounds} | ${r.calls.total} | ${ms(r.wall)} | ${ratio(r.wall / setup.python.wall)} |`);
row('creds library, DAG (concurrency 4)', setup.dag);
row('creds library, one step at a time (concurrency 1)', setup.serial);
row('`creds run setup --yes` (CLI process)', setup.cli);
row("the Python original's calls, one after the other (a process, real SDKs)", setup.python);
row(`\`creds run setup --yes\`, IAM accepting the new key after ${PROPAGATION_MS / 1000} s`, setup.cliPropagating);

print();
print('## Re-running a finished setup');
print();
print('| | serial rounds | calls made | of which writes | wall time |');
print('|---|---:|---:|---:|---:|');
print(`| second \`run setup\` (library, ${LATENCY} ms per call) | ${setup.dag.rerun.rounds} | ${setup.dag.rerun.total} | ${setup.dag.rerun.writes} | ${ms(setup.dag.rerun.wall)} |`);

progress(`a rotation with ${PROPAGATION_MS / 1000} s of key propagation, real time (two runs)`);
const rotation = await benchRotate();
print();
print(`## Rotation of one key, ${PROPAGATION_MS / 1000} s of IAM propagation (real time), ${LATENCY} ms per call`);
print();
print('| run | wall time | waiting for AWS to accept the new key | drain | the rest | calls | mixed-pair window |');
print('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, r] of [['no workflow run going', rotation.quiet], [`a run going at the switch, ending ${RUN_AFTER_SWITCH_MS / 1000} s after`, rotation.withRun]]) {
  print(`| ${name} | ${ms(r.wall)} | ${ms(r.propagation)} | ${ms(r.drain)} | ${ms(r.rest)} | ${r.calls.total} | ${ms(r.mixedWindow)} |`);
}

progress(`cold start (${COLD_RUNS} runs each)`);
const cold = spawnSync(process.execPath, [fileURLToPath(new URL('./cold-start.mjs', import.meta.url)), String(COLD_RUNS)], { encoding: 'utf8' });
if (cold.status !== 0) throw new Error(`cold-start.mjs failed:\n${cold.stderr}`);
const medians = new Map();
for (const line of cold.stdout.split('\n')) {
  const m = /^\| (.+?) \| ([\d.]+) \| ([\d.]+) \|/.exec(line);
  if (m) medians.set(m[1], Number(m[2]));
}
const node = medians.get('node -e 0');
print();
print(`## Cold start (median of ${COLD_RUNS} runs each)`);
print();
print('| command | median | over `node -e 0` | ratio |');
print('|---|---:|---:|---:|');
for (const [name, med] of medians) {
  print(`| \`${name}\` | ${ms(med)} | ${name === 'node -e 0' ? '—' : `${med >= node ? '+' : '−'}${ms(Math.abs(med - node))}`} | ${ratio(med / node)} |`);
}

progress(`fleet of ${REPOS} repositories under the secondary write limit (time scale ${TIME_SCALE})`);
const fleet = await benchFleet();
const gh = (x) => `${(x / TIME_SCALE / 1000).toFixed(0)} s`;
print();
print(`## A fleet of ${REPOS} repositories under GitHub's secondary write limit`);
print();
print(`Sandbox limit: ${WRITES_PER_MINUTE} content-creating requests per minute; time scale ${TIME_SCALE} (a GitHub minute lasts ${60_000 * TIME_SCALE} ms). Times below are GitHub time (real ÷ ${TIME_SCALE}).`);
print();
print('| layout | writes | refused by the limit | wall time | floor the limit allows | floor of 1 s pacing | wall ÷ floor |');
print('|---|---:|---:|---:|---:|---:|---:|');
for (const [name, f] of [[`a secret per repository (3 × ${REPOS})`, fleet.perRepo], ['one organization secret, selected repositories', fleet.org]]) {
  const floor = Math.max(f.limitFloorMs, f.pacingFloorMs);
  print(`| ${name} | ${f.writes} | ${f.limited} | ${gh(f.wall)} | ${gh(f.limitFloorMs)} | ${gh(f.pacingFloorMs)} | ${floor > 0 ? ratio(f.wall / floor) : '—'} |`);
}
print(`| per repository ÷ organization secret | ${ratio(fleet.perRepo.writes / fleet.org.writes)} | | ${ratio(fleet.perRepo.wall / fleet.org.wall)} | | | |`);

print();
print('## Memory');
print();
print('| run | peak RSS |');
print('|---|---:|');
const rss = (f) => `${((f.timeRssKb ?? f.maxRssKb) / 1024).toFixed(0)} MB`;
print(`| fleet of ${REPOS} targets, a secret per repository (library, one process) | ${rss(fleet.perRepo)} |`);
print(`| organization secret for ${REPOS} repositories | ${rss(fleet.org)} |`);
