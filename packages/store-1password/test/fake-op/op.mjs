#!/usr/bin/env node
// A fake 1Password CLI (`op` 2.x) for tests: the subset creds uses, following the documented
// behaviour — JSON on stdout with --format json, `[ERROR] YYYY/MM/DD HH:MM:SS message` on stderr
// and exit 1 on failure. Items live in a JSON file; every argv is appended to a log.
//
// Environment:
//   FAKE_OP_STATE   state file: { "vaults": { "<name>": { "id": "...", "items": [...] } }, "creates": 0 }
//   FAKE_OP_LOG     JSON Lines log, one { argv, stdinBytes, serviceAccount, connect } per call
//   FAKE_OP_SIGNED_OUT=1         every command fails as "not signed in" (unless a service account token is set)
//   FAKE_OP_FAIL_CREATE=<n>      the n-th `item create` (1-based, counted in the state) fails
//   FAKE_OP_ECHO_TEMPLATE_ON_ERROR=1  that failure quotes the template it was given (as a careless CLI might)
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const env = process.env;

function fail(message) {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  process.stderr.write(`[ERROR] ${stamp} ${message}\n`);
  process.exit(1);
}

function readStdin() {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

// Parse: positionals and --flag value / --flag=value; boolean flags listed.
const BOOLEAN = new Set(['--reveal', '--version', '--archive']);
const flags = {};
const positionals = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a.startsWith('--')) {
    const eq = a.indexOf('=');
    if (eq > 0) flags[a.slice(0, eq)] = a.slice(eq + 1);
    else if (BOOLEAN.has(a)) flags[a] = true;
    else flags[a] = argv[++i];
  } else positionals.push(a);
}

const wantsStdin = positionals.includes('-');
const stdin = wantsStdin ? readStdin() : '';
if (env.FAKE_OP_LOG) {
  appendFileSync(
    env.FAKE_OP_LOG,
    `${JSON.stringify({
      argv,
      stdinBytes: stdin.length,
      serviceAccount: Boolean(env.OP_SERVICE_ACCOUNT_TOKEN),
      connect: Boolean(env.OP_CONNECT_HOST && env.OP_CONNECT_TOKEN),
    })}\n`,
  );
}

if (flags['--version']) {
  process.stdout.write('2.30.0\n');
  process.exit(0);
}
if (env.FAKE_OP_SIGNED_OUT === '1' && !env.OP_SERVICE_ACCOUNT_TOKEN) {
  fail('You are not currently signed in. Please run `op signin --help` for instructions');
}

// State, under a lock so concurrent calls behave like one server.
const statePath = env.FAKE_OP_STATE;
if (!statePath) fail('FAKE_OP_STATE is not set');
const lockDir = `${statePath}.lock`;
function withState(fn) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      if (Date.now() > deadline) fail('fake op: state lock timeout');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  // fail() exits the process; the lock must still be released.
  const release = () => rmSync(lockDir, { recursive: true, force: true });
  process.once('exit', release);
  try {
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    const result = fn(state);
    writeFileSync(`${statePath}.tmp`, JSON.stringify(state, null, 2));
    renameSync(`${statePath}.tmp`, statePath);
    return result;
  } finally {
    process.removeListener('exit', release);
    release();
  }
}

const out = (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
const newId = () => randomBytes(13).toString('hex').slice(0, 26);

function vaultOf(state, name) {
  if (!name) fail('a vault is required: use the --vault flag');
  const entry = Object.entries(state.vaults).find(([n, v]) => n === name || v.id === name);
  if (!entry) fail(`"${name}" isn't a vault in this account. Specify the vault with its ID or name.`);
  return { name: entry[0], vault: entry[1] };
}

function findItem(vault, vaultName, ref) {
  const byId = vault.items.find((i) => i.id === ref);
  if (byId) return byId;
  const byTitle = vault.items.filter((i) => i.title === ref);
  if (byTitle.length > 1) fail(`More than one item matches "${ref}". Try again and specify the item by its ID: ${byTitle.map((i) => i.id).join(', ')}`);
  if (byTitle.length === 0) fail(`"${ref}" isn't an item in the "${vaultName}" vault. Specify the item with its UUID, name, or domain.`);
  return byTitle[0];
}

function summary(item, vaultName, vault) {
  const { fields, ...rest } = item;
  return { ...rest, vault: { id: vault.id, name: vaultName } };
}

const [group, verb, ref] = positionals;
if (group === 'whoami') {
  out({ url: 'https://my.1password.com', email: 'ci@example.com', user_uuid: 'FAKEUSER', account_uuid: 'FAKEACCOUNT', user_type: env.OP_SERVICE_ACCOUNT_TOKEN ? 'SERVICE_ACCOUNT' : 'HUMAN' });
} else if (group === 'vault' && verb === 'get') {
  withState((state) => {
    const { name, vault } = vaultOf(state, ref);
    out({ id: vault.id, name, content_version: vault.items.length });
  });
} else if (group === 'item' && verb === 'list') {
  withState((state) => {
    const { name, vault } = vaultOf(state, flags['--vault']);
    const tags = flags['--tags'] ? String(flags['--tags']).split(',') : [];
    out(vault.items.filter((i) => tags.every((t) => i.tags.includes(t))).map((i) => summary(i, name, vault)));
  });
} else if (group === 'item' && verb === 'get') {
  withState((state) => {
    const { name, vault } = vaultOf(state, flags['--vault']);
    const item = findItem(vault, name, ref);
    const reveal = Boolean(flags['--reveal']);
    const fields = item.fields.map((f) =>
      f.type === 'CONCEALED' && !reveal ? { ...f, value: undefined, reference: `op://${name}/${item.id}/${f.id}` } : f,
    );
    out({ ...summary(item, name, vault), fields });
  });
} else if (group === 'item' && verb === 'create') {
  const templateText = wantsStdin ? stdin : flags['--template'] ? readFileSync(flags['--template'], 'utf8') : '';
  const injected = withState((state) => {
    state.creates = (state.creates ?? 0) + 1;
    return env.FAKE_OP_FAIL_CREATE && Number(env.FAKE_OP_FAIL_CREATE) === state.creates;
  });
  if (injected) {
    if (env.FAKE_OP_ECHO_TEMPLATE_ON_ERROR === '1') fail(`invalid item template: ${templateText}`);
    fail('unable to create item: an internal error occurred');
  }
  withState((state) => {
    const { name, vault } = vaultOf(state, flags['--vault']);
    let template;
    try {
      template = JSON.parse(templateText);
    } catch {
      fail('could not parse the item template: invalid JSON');
    }
    if (!template.title) fail('an item title is required');
    if (!['API_CREDENTIAL', 'API Credential'].includes(template.category)) fail(`unknown category "${template.category}"`);
    const now = new Date().toISOString().replace(/(\.\d{3})Z$/, `$1${String(state.creates).padStart(6, '0')}Z`);
    const item = {
      id: newId(),
      title: template.title,
      tags: template.tags ?? [],
      version: 1,
      category: 'API_CREDENTIAL',
      created_at: now,
      updated_at: now,
      fields: (template.fields ?? []).map((f) => ({ id: f.id || newId(), type: f.type ?? 'STRING', purpose: f.purpose, label: f.label ?? f.id, value: f.value })),
    };
    vault.items.push(item);
    out({ ...summary(item, name, vault), fields: item.fields });
  });
} else if (group === 'item' && verb === 'delete') {
  withState((state) => {
    const { name, vault } = vaultOf(state, flags['--vault']);
    const item = findItem(vault, name, ref);
    vault.items = vault.items.filter((i) => i.id !== item.id);
  });
} else {
  fail(`unknown command "${positionals.join(' ')}" for "op"`);
}
