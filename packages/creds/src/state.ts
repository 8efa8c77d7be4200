import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CredsError } from '@creds/core';

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

/**
 * Creates `.creds/` 0700 with a `.gitignore` of `*`, so nothing in it is ever committed. An existing
 * `.creds/` that other users can write to is refused, not repaired: they could have replaced a
 * journal or the key file already, so a person should look before creds trusts it again.
 */
export async function ensureStateDir(dir: string): Promise<string> {
  const { root } = statePaths(dir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') {
    const mode = (await stat(root)).mode & 0o777;
    if ((mode & 0o022) !== 0) {
      throw new CredsError(`${root} can be written by other users (mode 0${mode.toString(8)}); creds will not use it`, {
        code: 'STATE_DIR_INSECURE',
        hint: `check that nobody changed the journals or keys in it, then run: chmod 700 ${root}`,
      });
    }
  }
  await chmod(root, 0o700);
  await writeFile(join(root, '.gitignore'), '# creds state: journals, locks, keys. Never commit.\n*\n', { flag: 'w', mode: 0o600 });
  return root;
}
