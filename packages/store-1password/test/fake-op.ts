import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKE_OP = fileURLToPath(new URL('./fake-op/op.mjs', import.meta.url));

export interface FakeOp {
  dir: string;
  /** Environment with the fake's state and log, and a bin folder holding `op` first on PATH. */
  env: NodeJS.ProcessEnv;
  /** Every argv the fake was called with. */
  calls(): Promise<Array<{ argv: string[]; stdinBytes: number; serviceAccount: boolean; connect: boolean }>>;
  state(): Promise<{ vaults: Record<string, { id: string; items: Array<Record<string, unknown>> }> }>;
  cleanup(): Promise<void>;
}

export async function startFakeOp(vaults: string[] = ['Private'], extraEnv: NodeJS.ProcessEnv = {}): Promise<FakeOp> {
  const dir = await mkdtemp(join(tmpdir(), 'creds-fake-op-'));
  const bin = join(dir, 'bin');
  await (await import('node:fs/promises')).mkdir(bin);
  await symlink(FAKE_OP, join(bin, 'op'));
  const statePath = join(dir, 'state.json');
  const logPath = join(dir, 'argv.log');
  await writeFile(
    statePath,
    JSON.stringify({ vaults: Object.fromEntries(vaults.map((v, i) => [v, { id: `vault${i}`, items: [] }])), creates: 0 }),
  );
  await writeFile(logPath, '');
  return {
    dir,
    env: {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}`,
      FAKE_OP_STATE: statePath,
      FAKE_OP_LOG: logPath,
      ...extraEnv,
    },
    async calls() {
      const text = await readFile(logPath, 'utf8');
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
    },
    async state() {
      return JSON.parse(await readFile(statePath, 'utf8'));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
