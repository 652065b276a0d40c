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
export { fileChunks } from './restorer/writeFile.js';
export { WalkBudget, WalkBudgetError } from './tree/walkBudget.js';
export { walkEntries, foldTree, visitTrees, type WalkedEntry, type TreeFold, type TreeVisit, type TreeLoader } from './tree/walk.js';
export { EntryType, type TreeEntry } from './tree/index.js';
export { DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from './chunker/index.js';
export { DEFAULT_KDF, parseKdf, type KdfParams } from './crypto/index.js';
export type { BackendOptions } from './backend/openBackend.js';
export type { S3BackendOptions } from './backend/s3Options.js';
export { RequestCounts, requestCost } from './backend/requestCounts.js';

// Maintenance and the other commands: the CLI calls exactly these (one operation per command;
// plan/execute pairs where the command is destructive).
export { planForget, isNoop as isForgetNoop, type ForgetRequest, type ForgetPlan } from './maintenance/forget/planForget.js';
export { executeForget, type ForgetExecuteOptions } from './maintenance/forget/executeForget.js';
export { DEFAULT_GROUP_BY, type RetentionPolicy, type GroupBy } from './maintenance/retention/index.js';
export { pruneRepository, type PruneRequest, type PruneReport } from './maintenance/prune/pruneRepository.js';
export { planPrune, DEFAULT_MAX_UNUSED, type PrunePlan, type PrunePolicy } from './maintenance/prune/planPrune.js';
export { executePrune } from './maintenance/prune/executePrune.js';
export { checkRepository, type CheckOptions } from './maintenance/check/checkRepository.js';
export type { CheckResult, CheckError } from './maintenance/check/types.js';
export { repairIndex, type RepairIndexOptions, type RepairIndexResult } from './maintenance/repair/repairIndex.js';
export { planRepairSnapshots, type RepairPlan } from './maintenance/repair/planRepairSnapshots.js';
export { executeRepairSnapshots, type RepairSnapshotsResult } from './maintenance/repair/executeRepairSnapshots.js';
export { repairSnapshots, type RepairSnapshotsOptions, type RepairSnapshotsReport } from './maintenance/repair/repairSnapshots.js';
export { copySnapshots, sharesBlobIds, sharesChunker, type CopyOptions, type CopySummary } from './maintenance/copy/copySnapshots.js';
export { repositoryStats, type StatsOptions, type StatsResult } from './maintenance/stats/repositoryStats.js';
export { growth, type GrowthOptions, type GrowthResult, type GrowthRow } from './maintenance/stats/growth.js';
export { gatherReport, type ReportOptions, type ReportData } from './maintenance/report/gatherReport.js';
export { renderReport } from './maintenance/report/renderReport.js';
export { diffSnapshots, type DiffOptions, type DiffItem } from './maintenance/diff/diffSnapshots.js';
export { verifyDir, type VerifyOptions, type VerifyResult } from './restorer/verifyDir.js';
export { listKeys, addRepositoryKey, removeRepositoryKey, changePassword, type KeyInfo } from './repository/keyManagement.js';
export { readLog, type LogEntry } from './repository/auditLog.js';
export { RepositoryLock, LockLostError, UnreadableLockError, type LockOptions } from './repository/lock.js';
export { unlockRepository, type UnlockResult } from './repository/unlockRepository.js';
export { lockWithoutSpace, type NoSpaceRecovery } from './repository/lockNoSpace.js';
