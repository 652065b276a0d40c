// `npm run fuzz -- [--cases N] [--seed S] [--parallel P] [--only KIND,...] [--commands CMD,...] [--verbose] [--full]
//   [--replay SPEC[,SPEC...]]`: the long fuzz run (default 1000 random cases, a random seed, printed).
// It passes the options to test/fuzz/fuzz.test.ts through FUZZ_* variables and runs it alone.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed = opt('seed') ?? String(Math.floor(Math.random() * 2 ** 31));
const env = { ...process.env, FUZZ_SEED: seed, FUZZ_CASES: opt('cases') ?? '1000' };
if (opt('parallel')) env.FUZZ_PARALLEL = opt('parallel');
if (opt('replay')) env.FUZZ_REPLAY = opt('replay');
if (opt('only')) env.FUZZ_ONLY = opt('only');
if (opt('commands')) env.FUZZ_COMMANDS = opt('commands');
if (args.includes('--verbose')) env.FUZZ_VERBOSE = '1';
if (args.includes('--full')) env.FUZZ_FULL = '1';
env.NODE_OPTIONS = [process.env.NODE_OPTIONS, '--openssl-legacy-provider'].filter(Boolean).join(' ');
console.log(`fuzz: seed ${seed} (replay the whole run with --seed ${seed}, one case with --replay <spec>)`);
const r = spawnSync('npx', ['vitest', 'run', 'test/fuzz/fuzz.test.ts', '--testTimeout=0'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
