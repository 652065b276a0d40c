// The one table that maps the core's error classes to exit codes and JSON error codes (CLI.md).

import {
  IntegrityError, InterruptedError, InvalidArgumentError, NotFoundError, PasswordRequiredError, RepositoryExistsError,
  RepositoryLockedError, RepositoryNotFoundError, StorageError, UnsupportedFormatError, WrongPasswordError,
} from '../errors.js';
import { UntrustedRepositoryError } from '../errors.js';
import { LockLostError, UnreadableLockError } from '../repository/lock.js';

export type ErrorCode =
  | 'invalid_argument' | 'repository_not_found' | 'repository_exists' | 'wrong_password' | 'repository_locked'
  | 'not_found' | 'integrity' | 'io' | 'interrupted' | 'internal';

type ErrorClass = abstract new (...args: never[]) => Error;

export const EXIT = { ok: 0, failure: 1, partial: 3, notFound: 10, locked: 11, wrongPassword: 12, interrupted: 130 } as const;

const TABLE: Array<[ErrorClass, number, ErrorCode]> = [
  [InvalidArgumentError, EXIT.failure, 'invalid_argument'],
  [PasswordRequiredError, EXIT.failure, 'invalid_argument'],
  [RepositoryNotFoundError, EXIT.notFound, 'repository_not_found'],
  [RepositoryExistsError, EXIT.failure, 'repository_exists'],
  [WrongPasswordError, EXIT.wrongPassword, 'wrong_password'],
  [RepositoryLockedError, EXIT.locked, 'repository_locked'],
  [LockLostError, EXIT.failure, 'repository_locked'],
  [UnreadableLockError, EXIT.locked, 'repository_locked'],
  [NotFoundError, EXIT.failure, 'not_found'],
  [IntegrityError, EXIT.failure, 'integrity'],
  [UnsupportedFormatError, EXIT.failure, 'integrity'],
  [StorageError, EXIT.failure, 'io'],
  [InterruptedError, EXIT.interrupted, 'interrupted'],
  // Exit 1, not 12: the password is not wrong, the storage is not what this client trusts (docs/crypto.md §8).
  [UntrustedRepositoryError, EXIT.failure, 'integrity'],
];

export function classify(e: unknown): { exit: number; code: ErrorCode; message: string } {
  for (const [cls, exit, code] of TABLE) if (e instanceof cls) return { exit, code, message: (e as Error).message };
  const sys = e as { code?: string; message?: string; path?: string };
  if (sys && typeof sys.code === 'string' && /^E[A-Z]+$/.test(sys.code)) {
    const what = sys.code === 'ENOSPC' ? 'no space left on device' : sys.code === 'EACCES' ? 'permission denied' : sys.message;
    return { exit: EXIT.failure, code: 'io', message: sys.path && !String(what).includes(sys.path) ? `${what}: ${sys.path}` : String(what) };
  }
  return { exit: EXIT.failure, code: 'internal', message: `internal error: ${(e as Error)?.message ?? String(e)}` };
}
