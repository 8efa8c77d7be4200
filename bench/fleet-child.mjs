// One fleet run in a process of its own (so its peak RSS is its own): loads the config in argv[2]'s
// folder and runs setup through the library against the servers named on stdin.
// Prints one JSON line: wall time, results, peak RSS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { creds } from './_lib.mjs';

const dir = process.argv[2];
const timeScale = Number(process.argv[3] ?? 1);
// Where the servers are, on stdin: { iam, github, accessKeyId, secretAccessKey, token }.
let input = '';
for await (const chunk of process.stdin) input += chunk;
const where = JSON.parse(input);
const raw = JSON.parse(readFileSync(join(dir, 'creds.config.json'), 'utf8'));
const config = await creds.resolveConfig(raw, { path: join(dir, 'creds.config.json'), dir });
const start = performance.now();
let waits = 0;
const results = await creds
  .createCreds(config, {
    aws: {
      credentials: { accessKeyId: where.accessKeyId, secretAccessKey: where.secretAccessKey },
      endpoints: { iam: where.iam, sts: where.iam },
    },
    github: { token: where.token, baseUrl: where.github, timeScale },
    onEvent: (e) => {
      if (e.type === 'step-progress' && /rate limit|wait/i.test(String(e.message))) waits++;
    },
  })
  .run('setup');
const wall = performance.now() - start;
const failed = results.filter((r) => r.status !== 'succeeded').map((r) => `${r.target}: ${r.error?.code} ${r.error?.message}`);
console.log(JSON.stringify({ wall, targets: results.length, failed, waits, maxRssKb: process.resourceUsage().maxRSS }));
