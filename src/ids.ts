// Branded identifiers: a chunk id, a pack id and a snapshot id are all 32 bytes / 64 hex characters,
// and the type system keeps them from being mixed up.

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A blob id (data chunk or tree object): BLAKE3 (keyed in encrypted repositories), 32 bytes. */
export type BlobId = Brand<Buffer, 'BlobId'>;
/** A pack file's name: hex BLAKE3 of its stored bytes. */
export type PackId = Brand<string, 'PackId'>;
/** A snapshot record's name: hex BLAKE3 of its stored bytes. */
export type SnapshotId = Brand<string, 'SnapshotId'>;
/** An index file's name: hex BLAKE3 of its stored bytes. */

export const ID_BYTES = 32;

export const asBlobId = (b: Buffer): BlobId => b as BlobId;
export const asPackId = (s: string): PackId => s as PackId;
export const asSnapshotId = (s: string): SnapshotId => s as SnapshotId;

export const HEX_ID = /^[0-9a-f]{64}$/;

/** Blob kinds: data chunks and metadata (tree objects, chunk lists) go to separate packs. */
export enum BlobType {
  Data = 0,
  Tree = 1,
}
