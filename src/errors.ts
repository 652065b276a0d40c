// Typed errors of the core. The core never prints or exits: the CLI maps each class to an exit code
// and a JSON error code in one table (cli/errorTable.ts). Each class carries the data a caller can act on.

export abstract class SnapError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad arguments or options given by the user. */
export class InvalidArgumentError extends SnapError {}

/** No repository at the location. */
export class RepositoryNotFoundError extends SnapError {
  constructor(readonly location: string) {
    super(`no repository at ${location}`);
  }
}

/** `init` over an existing repository. */
export class RepositoryExistsError extends SnapError {
  constructor(readonly location: string) {
    super(`a repository already exists at ${location}`);
  }
}

/** No key file opens with the given password. */
export class WrongPasswordError extends SnapError {
  constructor(readonly location: string, detail?: string) {
    super(`wrong password for the repository at ${location} (no key matches${detail ? `; ${detail}` : ''})`);
  }
}

/** No password source and no terminal to ask on. */
export class PasswordRequiredError extends SnapError {
  constructor() {
    super('a password is needed: set SNAP_PASSWORD or SNAP_PASSWORD_FILE, or pass --password-file');
  }
}

export interface LockHolder {
  host: string;
  pid: number;
  since: string;
  user: string;
  exclusive: boolean;
}

/** Another process holds a conflicting lock. */
export class RepositoryLockedError extends SnapError {
  constructor(readonly holder: LockHolder) {
    super(
      `repository is locked ${holder.exclusive ? 'exclusively ' : ''}by pid ${holder.pid} on ${holder.host} ` +
        `(user ${holder.user}) since ${holder.since}; if that process is gone, run 'snap unlock'`,
    );
  }
}

/** A snapshot, path, key or object that was asked for does not exist. */
export class NotFoundError extends SnapError {}

/** Stored bytes do not match their id, fail to decrypt, or do not parse. */
export class IntegrityError extends SnapError {
  constructor(
    message: string,
    readonly where: { pack?: string; blob?: string; path?: string; object?: string } = {},
  ) {
    super(message);
  }
}

/** A newer or unknown repository format. */
export class UnsupportedFormatError extends SnapError {}

/** The operation was stopped by SIGINT/SIGTERM. */
export class InterruptedError extends SnapError {
  constructor() {
    super('interrupted');
  }
}

/** An I/O failure with the operating system or the storage. */
export class StorageError extends SnapError {
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The repository at a location is not what this client trusts it to be: keyless where an encrypted
 * one is expected (a downgrade to plaintext), or another repository than the one recorded there.
 */
export class UntrustedRepositoryError extends SnapError {
  constructor(
    message: string,
    readonly location: string,
    readonly trustFile?: string,
  ) {
    super(message);
  }
}

/**
 * A backup (create, copy) refused to write its snapshot record at the commit point: data it refers
 * to was deleted while it ran, or will be before a prune could see the record (archiver/commitPoint.ts).
 */
export class CommitRefusedError extends IntegrityError {}
