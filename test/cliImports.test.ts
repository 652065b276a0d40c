// The rule of src/index.ts: every name the CLI takes from the core (a static import, a dynamic
// import's property or destructured name, of a module outside src/cli/) is exported by the library,
// as that very declaration. Checked with the TypeScript checker, so re-exports, renames and barrels
// resolve as the compiler sees them.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = path.join(ROOT, 'src');
const CLI = path.join(SRC, 'cli') + path.sep;

describe('the CLI imports only what src/index.ts exports', () => {
  it('every core name imported under src/cli/ is a library export', () => {
    const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, noEmit: true } });
    const checker = program.getTypeChecker();
    const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);

    const index = program.getSourceFile(path.join(SRC, 'index.ts'))!;
    const exported = new Set(checker.getExportsOfModule(checker.getSymbolAtLocation(index)!).map(resolve));

    // Every name a core module (src/ outside cli/ and index.ts) exports, as its declaration.
    const core = new Set<ts.Symbol>();
    for (const sf of program.getSourceFiles()) {
      const f = path.resolve(sf.fileName);
      if (!f.startsWith(SRC + path.sep) || f.startsWith(CLI) || sf === index) continue;
      const mod = checker.getSymbolAtLocation(sf);
      if (mod) for (const s of checker.getExportsOfModule(mod)) core.add(resolve(s));
    }

    // Each identifier of the CLI that names a core export (an import, `(await import(…)).name`, a
    // use), and each name destructured from a module (`const { name } = await import(…)`).
    const missing = new Set<string>();
    const need = (where: ts.Node, name: string, symbol: ts.Symbol | undefined) => {
      if (!symbol) return;
      const r = resolve(symbol);
      if (!core.has(r) || exported.has(r)) return;
      missing.add(`${name} <- ${path.relative(ROOT, where.getSourceFile().fileName)}`);
    };
    let files = 0;
    for (const sf of program.getSourceFiles()) {
      if (!path.resolve(sf.fileName).startsWith(CLI)) continue;
      files++;
      const visit = (node: ts.Node): void => {
        if (ts.isIdentifier(node)) need(node, node.text, checker.getSymbolAtLocation(node));
        if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
          const name = node.propertyName ?? node.name;
          if (ts.isIdentifier(name)) need(node, name.text, checker.getTypeAtLocation(node.parent).getProperty(name.text));
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(files).toBeGreaterThan(10);
    expect([...missing]).toEqual([]);
  }, 120_000);
});
