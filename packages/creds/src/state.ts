import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const STATE_DIR = '.creds';

/** Where creds keeps its state for a config in `dir`: journals, locks, sandbox worlds, the JSON key file. */
export function statePaths(dir: string) {
  const root = join(dir, STATE_DIR);
  return {
    root,
    journal: (target: string) => join(root, 'journal', `${target}.jsonl`),
    keys: join(root, 'keys.json'),
    sandbox: join(root, 'sandbox'),
  };
}

/** Creates `.creds/` 0700 with a `.gitignore` of `*`, so nothing in it is ever committed. */
export async function ensureStateDir(dir: string): Promise<string> {
  const { root } = statePaths(dir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  await writeFile(join(root, '.gitignore'), '# creds state: journals, locks, keys. Never commit.\n*\n', { flag: 'w', mode: 0o600 });
  return root;
}
