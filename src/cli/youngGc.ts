// The young-generation collection a backup asks for (BlobSaver's collectYoung hook, YOUNG_GC_BYTES
// says why). V8 exposes its collector only behind --expose-gc; set at run time, the flag gives new
// contexts a `gc` function, and one such context is made here, once, at the first collection: a
// backup that writes less than YOUNG_GC_BYTES (an unchanged re-backup) pays nothing (the context is
// ~0.8 ms and ~1.7 MiB). Process-wide V8 state, so it lives at the edge (the CLI), not in the core:
// a library user passes a hook of their own, or none.
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;
let gc: Gc | undefined;

/** A function that runs one young-generation collection (a scavenge: ~0.3 ms on a backup's heap). */
export function youngCollector(): () => void {
  return () => {
    if (!gc) {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as Gc;
    }
    gc({ type: 'minor' });
  };
}
