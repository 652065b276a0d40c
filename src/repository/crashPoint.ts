// Fault-injection seams for crash tests. Destructive and multi-step operations call crashPoint(name)
// right after each step that an invariant orders (a pack written, an index written, an old index or
// pack deleted), and pausePoint(name) where a test may act on the repository meanwhile. The core
// only names the points: what happens there is a hook the program installs (the CLI's, in
// cli/faultHooks.ts, reads SNAP_CRASH_AT / SNAP_PAUSE_AT and kills or sleeps). No hook installed
// (a library user, or the CLI without those variables): each call is one property read.

export interface FaultHooks {
  /** Called at every crash point (may end the process: that is its purpose). */
  crash?(name: string): void;
  /** Awaited at every pause point. */
  pause?(name: string): Promise<void>;
}

let hooks: FaultHooks = {};

/** Installs the hooks for this process (replacing earlier ones); `{}` removes them. */
export function setFaultHooks(h: FaultHooks): void {
  hooks = h;
}

/** A step an invariant orders has just completed. */
export function crashPoint(name: string): void {
  hooks.crash?.(name);
}

/** A test may act on the repository here. */
export async function pausePoint(name: string): Promise<void> {
  if (hooks.pause) await hooks.pause(name);
}
