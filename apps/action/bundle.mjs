// Builds dist/index.js, the one file the Actions runner starts (`node dist/index.js`, no install
// step), from the built workspace packages. `node bundle.mjs` writes it; `node bundle.mjs --check`
// fails when the committed file is not what the build makes of the current sources.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const OUTFILE = join(here, 'dist', 'index.js');

/** The bundle's text. Deterministic: the same sources and lockfile give the same bytes. */
export async function bundle() {
  const result = await build({
    absWorkingDir: here,
    entryPoints: ['src/main.ts'],
    bundle: true,
    platform: 'node',
    // The action declares node24; the bundle keeps to what Node 20 runs too.
    target: 'node20',
    format: 'esm',
    outfile: OUTFILE,
    write: false,
    // Native or CLI-driven key stores: not in the action (a config asking for them gets an error first).
    external: ['@creds/store-keychain', '@creds/store-1password', '@napi-rs/keyring'],
    // Bundled CommonJS modules call require() for Node's built-ins, and use __filename (write-file-atomic names its temp files with it).
    banner: {
      js: [
        "import { createRequire as __creds_createRequire } from 'node:module';",
        "import { fileURLToPath as __creds_fileURLToPath } from 'node:url';",
        'const require = __creds_createRequire(import.meta.url);',
        'const __filename = __creds_fileURLToPath(import.meta.url);',
        "const __dirname = __creds_fileURLToPath(new URL('.', import.meta.url));",
      ].join('\n'),
    },
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await bundle();
  const old = await readFile(OUTFILE, 'utf8').catch(() => undefined);
  if (process.argv.includes('--check')) {
    // CI: the committed file must be what the build makes of today's sources.
    if (old !== text) {
      console.error(
        `apps/action/dist/index.js is not the build's output of the current sources (${old === undefined ? 'it is missing' : 'it differs'}): ` +
          'run `corepack pnpm build && corepack pnpm --filter @creds/action bundle` and commit apps/action/dist/index.js',
      );
      process.exit(1);
    }
    console.log(`${OUTFILE}: the build's output (${Buffer.byteLength(text)} bytes)`);
  } else {
    if (old !== text) await writeFile(OUTFILE, text);
    console.log(`${OUTFILE}: ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB${old === text ? ' (unchanged)' : ''}`);
  }
}
