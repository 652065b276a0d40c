// Assembles the hand-written WebAssembly of src/ (today only the chunker's gear scan) into dist/, with
// the `wabt` npm package (a devDependency: its wat2wasm compiled to JavaScript, nothing native or
// downloaded). Run by `npm run build`, `prepare` (so by `npm ci`) and the vitest global setup. No
// binary is committed: the .wat is the source. Writes through a temporary file and a rename, so
// concurrent runs (two vitest processes) never leave a half-written module.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Source (under src/) → output (under dist/), same relative path. */
const MODULES = ['chunker/gearScan.wat'];

export async function buildWasm() {
  const wabt = await wabtInit();
  for (const rel of MODULES) {
    const source = join(ROOT, 'src', rel);
    const out = join(ROOT, 'dist', rel.replace(/\.wat$/, '.wasm'));
    const parsed = wabt.parseWat(source, readFileSync(source, 'utf8'));
    try {
      parsed.validate();
      const { buffer } = parsed.toBinary({ log: false });
      mkdirSync(dirname(out), { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      writeFileSync(tmp, buffer);
      renameSync(tmp, out);
    } finally {
      parsed.destroy();
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWasm();
