// backend/ owns where repository objects live: the local filesystem and S3-compatible storage,
// behind one small interface. Object names are the same everywhere: "config", "keys/<id>",
// "data/<xx>/<pack-id>", "index/<id>", "snapshots/<id>", "locks/<id>", "log/<name>".

export interface Backend {
  /** A human-readable location, used in messages. */
  readonly location: string;
  /** Write an object durably: on return it exists under its final name (temp + fsync + rename + dir fsync locally). */
  put(name: string, data: Buffer | Buffer[]): Promise<void>;
  /** A local directory for staging files that putFile then stores (for the local backend: inside the repository, so it is a rename). */
  stageDir(): Promise<string>;
  /** Store a staged local file durably under `name` and remove the staged file. */
  putFile(name: string, file: string): Promise<void>;
  /** Read a whole object; NotFoundError when missing. */
  get(name: string): Promise<Buffer>;
  /** Read `length` bytes at `offset`. */
  getRange(name: string, offset: number, length: number): Promise<Buffer>;
  /**
   * Size of an object, or undefined when it is missing; mtimeMs is the storage's own time of the
   * last write (the local filesystem's mtime, S3's LastModified) where the backend knows it.
   */
  stat(name: string): Promise<{ size: number; mtimeMs?: number } | undefined>;
  /** Names (full, e.g. "index/ab12…") of the objects under a prefix ("index/", "data/"). */
  list(prefix: string): Promise<string[]>;
  /** Remove an object durably (missing is not an error). */
  remove(name: string): Promise<void>;
  /** Whether anything exists at the location (a repository or not). */
  exists(): Promise<boolean>;
  /** Create the location (the empty directory / nothing for S3). */
  create(): Promise<void>;
  close(): Promise<void>;
  /**
   * Remove what killed writers left behind (staged packs, unrenamed temp files) and say how much.
   * Only with the exclusive lock held: a running writer's files look the same. Absent where writes
   * leave nothing behind (S3 puts are atomic).
   */
  removeLeftovers?(): Promise<{ files: number; bytes: number }>;
}
