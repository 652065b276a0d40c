// Before any test file: the chunker's WebAssembly must exist in dist/ (the tests import src/, but the
// .wasm is assembled by the build). Rebuilt only when missing or older than its .wat, so a plain
// `npx vitest run` after editing the .wat tests the new code, and an up-to-date tree loads no wabt.
import { existsSync, statSync } from 'node:fs';

const SOURCE = new URL('../src/chunker/gearScan.wat', import.meta.url);
const BUILT = new URL('../dist/chunker/gearScan.wasm', import.meta.url);

export default async function setup(): Promise<void> {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  // @ts-expect-error: a plain .mjs build script, without type declarations
  const { buildWasm } = await import('../scripts/build-wasm.mjs');
  await buildWasm();
}
