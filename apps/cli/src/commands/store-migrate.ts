import type { StoreConfig } from '@creds/creds';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { MigrateFlags } from '../flags.js';
import { openSession } from '../session.js';
import { confirm } from './_shared.js';

/** `creds store migrate --to …`: move every key from the configured store to another. */
export async function migrate(ctx: CliContext, flags: MigrateFlags): Promise<number> {
  const { out } = ctx;
  const to = targetStore(flags);
  const session = await openSession(ctx);
  try {
    const from = session.config.store;
    if (from.type === to.type && JSON.stringify(from) === JSON.stringify(to)) {
      out.info(`the config already uses this ${to.type} store; nothing to move`);
      out.result({ command: 'store migrate', ok: true, exitCode: EXIT.ok, migration: { from: from.type, to: to.type, entries: [] } });
      return EXIT.ok;
    }
    // To or from no store is refused (with what to do instead) before anything is asked or moved.
    if (from.type === 'none' || to.type === 'none') await session.creds.migrateStore(to);
    if (!flags.yes && !(await confirm(ctx, `Move the keys from the ${from.type} store to ${describe(to)}?`, `migrate would move keys to ${describe(to)}`))) {
      out.info('Nothing was changed.');
      out.result({ command: 'store migrate', ok: true, exitCode: EXIT.ok, cancelled: true });
      return EXIT.ok;
    }
    const report = await session.creds.migrateStore(to);
    for (const entry of report.entries) {
      const mark = entry.status === 'moved' ? out.cOut.green('✓') : entry.status === 'failed' ? out.cOut.red('✗') : out.cOut.dim('-');
      out.print(`${mark} ${entry.name} ${entry.status}${entry.error ? `: ${entry.error}` : ''}`);
    }
    const failed = report.entries.some((e) => e.status === 'failed');
    if (!failed) out.info(`Now point the config at the new store: "store": ${JSON.stringify(to)}`);
    const exitCode = failed ? EXIT.failed : EXIT.ok;
    out.result({ command: 'store migrate', ok: !failed, exitCode, migration: report });
    return exitCode;
  } finally {
    await session.close();
  }
}

function targetStore(flags: MigrateFlags): StoreConfig {
  switch (flags.to) {
    case 'json':
      return { type: 'json', ...(flags.path ? { path: flags.path } : {}) };
    case 'keychain':
      return { type: 'keychain', ...(flags.service ? { service: flags.service } : {}) };
    case '1password':
      return { type: '1password', vault: flags.vault ?? '', ...(flags.account ? { account: flags.account } : {}) };
    case 'none':
      // Refused by the library, with what to do instead.
      return { type: 'none' };
  }
}

function describe(store: StoreConfig): string {
  if (store.type === '1password') return `1Password vault "${store.vault}"`;
  if (store.type === 'keychain') return 'the OS keychain';
  if (store.type === 'none') return 'no store';
  return `the JSON file ${store.path ?? '.creds/keys.json'}`;
}
