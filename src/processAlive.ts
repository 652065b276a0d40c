// Whether a process of this host still runs: what tells a killed process's leftovers (S3 staging
// directories, scratch stores, bulk cache builds, all named with their pid) from a running one's.

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's process.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
