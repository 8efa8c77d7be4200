#!/usr/bin/env node
// Checked before anything else loads, so an old Node gets one clear line instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 12)) {
  process.stderr.write(`creds needs Node.js 20.12 or newer; this is ${process.version}. Install a current LTS from https://nodejs.org\n`);
  process.exit(2);
}
const { main } = await import('../dist/main.js');
await main(process.argv);
