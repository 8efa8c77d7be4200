#!/usr/bin/env node
// `corepack pnpm creds …` inside this repository: pnpm runs root scripts from the workspace root,
// but the user meant the folder they typed the command in, which pnpm passes as INIT_CWD.
// biome-ignore lint/suspicious/noUndeclaredEnvVars: pnpm sets it for this script, which is no turbo task
const callerDir = process.env['INIT_CWD'];
if (callerDir) process.chdir(callerDir);
await import('../apps/cli/bin/creds.js');
