// Where a worker thread's script is: beside the module that starts it in dist/. When that module
// runs from the TypeScript sources (tests importing src/), the compiled script in dist/, since a
// worker thread cannot load .ts.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `callerUrl`: the starting module's import.meta.url; `folder`: its folder under src/ and dist/. */
export function workerScript(callerUrl: string, file: string, folder: string): URL {
  const beside = new URL(`./${file}`, callerUrl);
  if (callerUrl.endsWith('.js') || existsSync(fileURLToPath(beside))) return beside;
  return new URL(`../../dist/${folder}/${file}`, callerUrl);
}
