// The `verify --json` document (CLI.md).

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
