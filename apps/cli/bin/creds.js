#!/usr/bin/env node
// Checked before anything else loads, so an old Node gets one clear line instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  process.stderr.write(`creds needs Node.js 20.12 or newer; this is ${process.version}. Install a current LTS from https://nodejs.org\n`);
  process.exit(2);
}
// The AWS SDK warns on every run under Node 20 that its 2027 releases need Node 22; `creds doctor`
// says so once instead, so the progress output stays readable.
if (major === 20) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `creds --version` alone needs nothing but package.json: answer before loading the CLI.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  process.exit(0);
}
const { main } = await import('../dist/main.js');
await main(process.argv);
