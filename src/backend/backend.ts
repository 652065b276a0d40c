// backend/ owns where repository objects live: the local filesystem and S3-compatible storage,
// behind one small interface. Object names are the same everywhere: "config", "keys/<id>",
// "data/<xx>/<pack-id>", "index/<id>", "snapshots/<id>", "locks/<id>", "log/<name>".

import type { FileHandle } from 'node:fs/promises';
import type { RequestCounts } from './requestCounts.js';
import type { ObjectLockSettings } from './s3Options.js';

/**
 * A file being filled for one object (a pack): written through `handle` at any position, then
 * stored. Where the file lives is the backend's business (beside the repository's objects locally,
 * so storing is a rename; a private unlinked file for S3, uploaded from the open descriptor).
 */
export interface StagedObject {
  readonly handle: FileHandle;
  /** Store the written bytes durably under `name` (the caller has fsynced) and release the file. */
  store(name: string): Promise<void>;
  /** Drop the file (dry runs, failures). */
  discard(): Promise<void>;
}

export interface Backend {
  /** A human-readable location, used in messages. */
  readonly location: string;
  /** Write an object durably: on return it exists under its final name (temp + fsync + rename + dir fsync locally). */
  put(name: string, data: Buffer | Buffer[]): Promise<void>;
  /** A new staging file for an object too big to build in memory. */
  stage(): Promise<StagedObject>;
  /** Read a whole object; NotFoundError when missing. */
  get(name: string): Promise<Buffer>;
  /** Read `length` bytes at `offset`. */
  getRange(name: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Size of an object, or undefined when it is missing; `mtime` is the storage's own time of the
   * object in ms since the epoch (file mtime, S3 LastModified), when it has one (lock staleness).
   */
  stat(name: string): Promise<{ size: number; mtime?: number } | undefined>;
  /** Names (full, e.g. "index/ab12…") of the objects under a prefix ("index/", "data/"). */
  list(prefix: string): Promise<string[]>;
  /** Remove an object durably (missing is not an error). */
  remove(name: string): Promise<void>;
  /** Whether anything exists at the location (a repository or not). */
  exists(): Promise<boolean>;
  /**
   * Create the location (the empty directory; for S3 the bucket when it is missing, with Object
   * Lock enabled when `objectLock` is asked for, since it cannot be enabled later).
   */
  create(opts?: { objectLock?: boolean }): Promise<void>;
  close(): Promise<void>;
  /**
   * Remove what killed writers left behind (staged packs, unrenamed temp files) and say how much.
   * Without `olderThanMs` only with the exclusive lock held: a running writer's files look the same.
   * With it, only what was started longer ago than that (no writer runs that long: prune's grace
   * period), so a shared lock is enough. Absent where writes leave nothing behind. S3: aborts this
   * prefix's unfinished multipart uploads.
   */
  removeLeftovers?(opts?: { olderThanMs?: number }): Promise<{ files: number; bytes: number }>;
  /** From the repository config: the retention every object written from now on carries; absent: storage without retention. */
  setObjectLock?(lock: ObjectLockSettings | undefined): void;
  /** Whether objects here may carry retention (S3 Object Lock on the bucket); absent: never. */
  objectLockEnabled?(): Promise<boolean>;
  /** Until when an object is retained (Object Lock), or undefined when it is not. */
  retainedUntil?(name: string): Promise<Date | undefined>;
  /** Objects whose retention is shorter than configured (S3 with objectLock set); absent or undefined: not configured. */
  shortRetention?(): Promise<{ checked: number; short: string[] } | undefined>;
  /** Requests sent so far, by kind (S3: HTTP attempts; local: operations). */
  readonly requests?: RequestCounts;
}
