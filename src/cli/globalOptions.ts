// The global options (CLI.md "Global options"), declared once: main.ts adds them to the program, and
// the command-word scan in commands/registry.ts derives from them which options take a value.

export interface GlobalOptionSpec {
  /** Commander flags: `-r, --repo <location>`; a `<value>` means the option takes the next word. */
  flags: string;
  description: string;
}

export const GLOBAL_OPTIONS: readonly GlobalOptionSpec[] = [
  { flags: '-r, --repo <location>', description: 'repository: a directory or s3://bucket/prefix (env SNAP_REPO)' },
  { flags: '--password-file <file>', description: 'read the repository password from a file (env SNAP_PASSWORD_FILE; or SNAP_PASSWORD)' },
  { flags: '--json', description: 'print exactly one JSON document on stdout' },
  { flags: '-q, --quiet', description: 'no progress, only errors' },
  { flags: '--no-progress', description: 'no progress display' },
  { flags: '--cache-dir <dir>', description: 'local cache directory (env SNAP_CACHE_DIR; default ~/.cache/snap)' },
  { flags: '--retry-lock <duration>', description: 'when the repository is locked, retry this long (30s, 5m, 1h)' },
  {
    flags: '--insecure-allow-unencrypted',
    description: 'accept an unencrypted repository where an encrypted one is expected (a password was given, or this client knows it as encrypted)',
  },
];

const TAKES_VALUE = GLOBAL_OPTIONS.filter((o) => /<[^>]+>|\[[^\]]+\]/.test(o.flags));
const names = (o: GlobalOptionSpec) => o.flags.split(/[\s,]+/).filter((w) => w.startsWith('-'));

/** Every spelling (`-r`, `--repo`, ...) of a global option that takes a value. */
export const GLOBAL_VALUE_OPTIONS: ReadonlySet<string> = new Set(TAKES_VALUE.flatMap(names));

/** The letters of the value-taking short options (`r`): in a cluster like -qr they take what follows. */
export const GLOBAL_VALUE_SHORTS: readonly string[] = TAKES_VALUE.flatMap(names).filter((n) => /^-[^-]$/.test(n)).map((n) => n[1]!);
