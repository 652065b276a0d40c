// The public library API of snap: open or create a repository, make snapshots, list, restore, and
// one operation per other command, with the parsers and formatters of their options.
//
// The rule: the CLI (src/cli/) is a thin layer over exactly what is exported here. Every name it
// imports from outside src/cli/ is exported from this file (it imports it from its own module, so
// that a command loads only what it needs; test/cliImports.test.ts checks the rule). A helper that
// only the terminal needs (option wiring, output, progress display) lives in src/cli/ instead.

export { VERSION } from './version.js';
export * from './errors.js';
export { BlobType, type BlobId, type PackId, type SnapshotId } from './ids.js';
export type { Backend } from './backend/backend.js';
export { LocalBackend } from './backend/local.js';
export { openBackend } from './backend/openBackend.js';
export { initRepository, requireObjectLock, isInterruptedInit, type InitOptions } from './repository/initRepository.js';
export { openRepository, type OpenRepositoryOptions } from './repository/openRepository.js';
export { Repository, defaultCacheDir } from './repository/repository.js';
export {
  ENCRYPTED,
  UNENCRYPTED,
  MIN_PACK_SIZE,
  OBJECT_LOCK_MODES,
  MIN_LOCK_DAYS,
  MAX_LOCK_DAYS,
  type RepoConfig,
  type EncryptionMode,
  type ObjectLockConfig,
  type ObjectLockMode,
} from './repository/config.js';
export type { Snapshot, SnapshotRecord } from './repository/snapshotRecord.js';
export { selectSnapshot, filterSnapshots, splitSelector, type SnapshotFilter } from './repository/selectSnapshot.js';
export { createSnapshot, type CreateOptions, type CreateSummary } from './archiver/createSnapshot.js';
export { readExcludeFile } from './archiver/excludes.js';
export { restoreSnapshot, type RestoreOptions, type RestoreSummary, type OverwriteMode, type FailedFile } from './restorer/restoreSnapshot.js';
export { findEntry, treeEntries, fileChunkIds } from './restorer/findEntry.js';
export { fileChunks } from './restorer/writeFile.js';
export { WalkBudget, WalkBudgetError } from './tree/walkBudget.js';
export { walkEntries, foldTree, visitTrees, type WalkedEntry, type TreeFold, type TreeVisit, type TreeLoader } from './tree/walk.js';
export { EntryType, type TreeEntry } from './tree/index.js';
export { DEFAULT_CHUNKER_PARAMS, resolveChunkerParams, type ChunkerParams } from './chunker/index.js';
export { DEFAULT_COMPRESSION, parseCompression, type CompressionConfig } from './pack/codec.js';
export { DEFAULT_KDF, parseKdf, formatKdf, isWeakKdf, type KdfParams } from './crypto/index.js';
export type { BackendOptions } from './backend/openBackend.js';
export { plainHttpWarning, type S3BackendOptions } from './backend/s3Options.js';
export { RequestCounts, requestCost, REQUEST_KINDS, type RequestKind, type RequestPrices, type RequestSummary } from './backend/requestCounts.js';
export { readStateFile, writeStateFile } from './repository/clientState.js';

// Maintenance and the other commands: one operation per command (plan/execute pairs where the
// command is destructive), with the parsers of their options.
export { planForget, isNoop as isForgetNoop, type ForgetRequest, type ForgetPlan } from './maintenance/forget/planForget.js';
export { executeForget, type ForgetExecuteOptions } from './maintenance/forget/executeForget.js';
export { DEFAULT_GROUP_BY, parseGroupBy, parseKeepCount, describeGroupKey, type RetentionPolicy, type GroupBy, type GroupPlan } from './maintenance/retention/index.js';
export { pruneRepository, type PruneRequest, type PruneReport, type PruneProgress } from './maintenance/prune/pruneRepository.js';
export { planPrune, DEFAULT_MAX_UNUSED, parseMaxUnused, parseSize, type PrunePlan, type PrunePolicy, type MaxUnused } from './maintenance/prune/planPrune.js';
export { retentionSummary } from './maintenance/prune/retained.js';
export { executePrune } from './maintenance/prune/executePrune.js';
export { checkRepository, type CheckOptions } from './maintenance/check/checkRepository.js';
export { parseDataSubset, type DataSubset } from './maintenance/check/readDataSubset.js';
export type { CheckResult, CheckError } from './maintenance/check/types.js';
export { repairIndex, type RepairIndexOptions, type RepairIndexResult } from './maintenance/repair/repairIndex.js';
export { planRepairSnapshots, type RepairPlan } from './maintenance/repair/planRepairSnapshots.js';
export { executeRepairSnapshots, type RepairSnapshotsResult } from './maintenance/repair/executeRepairSnapshots.js';
export { repairSnapshots, type RepairSnapshotsOptions, type RepairSnapshotsReport } from './maintenance/repair/repairSnapshots.js';
export { copySnapshots, sharesBlobIds, sharesChunker, type CopyOptions, type CopySummary } from './maintenance/copy/copySnapshots.js';
export { repositoryStats, type StatsOptions, type StatsResult } from './maintenance/stats/repositoryStats.js';
export { DEFAULT_PRICE_PER_GB_MONTH, formatUsd, formatRatio } from './maintenance/stats/cost.js';
export { growth, type GrowthOptions, type GrowthResult, type GrowthRow } from './maintenance/stats/growth.js';
export { gatherReport, type ReportOptions, type ReportData } from './maintenance/report/gatherReport.js';
export { renderReport } from './maintenance/report/renderReport.js';
export { diffSnapshots, type DiffOptions, type DiffItem, type DiffKind } from './maintenance/diff/diffSnapshots.js';
export { verifyDir, type VerifyOptions, type VerifyResult } from './restorer/verifyDir.js';
export { listKeys, addRepositoryKey, removeRepositoryKey, changePassword, type KeyInfo } from './repository/keyManagement.js';
export { readLog, type LogEntry } from './repository/auditLog.js';
export { RepositoryLock, LockLostError, UnreadableLockError, type LockOptions } from './repository/lock.js';
export { unlockRepository, type UnlockResult } from './repository/unlockRepository.js';
export { lockWithoutSpace, type NoSpaceRecovery } from './repository/lockNoSpace.js';

// Process-wide settings, made once at start-up by the program that embeds the library (the core
// reads no environment): where mkfifo and mknod are found, and the fault-injection seams that the
// crash tests drive (src/cli/faultHooks.ts sets them from SNAP_CRASH_AT and friends).
export { setHelperPath } from './tree/fsMetadata.js';
export { setFaultHooks, type FaultHooks } from './repository/crashPoint.js';
export { setDirFsyncFault } from './backend/local.js';
