// The public library API of snap: open or create a repository, make snapshots, list, restore.
// The CLI (src/cli/) is a thin layer over exactly these functions.

export { VERSION } from './version.js';
export * from './errors.js';
export { BlobType, type BlobId, type PackId, type SnapshotId } from './ids.js';
export type { Backend } from './backend/backend.js';
export { LocalBackend } from './backend/local.js';
export { openBackend } from './backend/openBackend.js';
export { initRepository, type InitOptions } from './repository/initRepository.js';
export { openRepository, type OpenRepositoryOptions } from './repository/openRepository.js';
export { Repository, defaultCacheDir } from './repository/repository.js';
export type { RepoConfig } from './repository/config.js';
export type { Snapshot, SnapshotRecord } from './repository/snapshotRecord.js';
export { selectSnapshot, filterSnapshots, splitSelector, type SnapshotFilter } from './repository/selectSnapshot.js';
export { createSnapshot, type CreateOptions, type CreateSummary } from './archiver/createSnapshot.js';
export { restoreSnapshot, type RestoreOptions, type RestoreSummary, type OverwriteMode, type FailedFile } from './restorer/restoreSnapshot.js';
export { findEntry, treeEntries, fileChunkIds } from './restorer/findEntry.js';
export { EntryType, type TreeEntry } from './tree/index.js';
export { DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from './chunker/index.js';
export { DEFAULT_KDF, parseKdf, type KdfParams } from './crypto/index.js';
