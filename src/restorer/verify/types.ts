// restorer/verify/ owns what `snap verify` reports and compares per entry: the `verify --json`
// document (this file, CLI.md) and the metadata comparison (compareMetadata.ts). The walk that drives
// them is restorer/verifyDir.ts (restore --verify: restorer/verifyRestored.ts).

export type VerifyKind = 'missing' | 'extra' | 'content' | 'size' | 'type' | 'mode' | 'mtime' | 'link' | 'owner';

export interface VerifyDifference {
  /** Relative to the compared directory, with a leading slash: "/sub/file.txt". */
  path: string;
  kind: VerifyKind;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Snapshot entries compared (missing ones included). */
  checked: number;
  differences: VerifyDifference[];
}
