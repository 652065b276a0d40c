// What storing bytes costs per month. Cloud storage is priced per "GB-month", where the GB of the
// big providers' bills is 2^30 bytes (AWS: "1 GB = 2^30 bytes"), so that is the unit here.

/** S3 Standard, first 50 TB, us-east-1 (USD per GB-month): the default when no price is given. */
export const DEFAULT_PRICE_PER_GB_MONTH = 0.023;
export const BYTES_PER_BILLED_GB = 2 ** 30;

export function monthlyCost(bytes: number, pricePerGbMonth: number): number {
  return (bytes / BYTES_PER_BILLED_GB) * pricePerGbMonth;
}

/** A ratio that is 1 (nothing saved) when there is nothing to divide by. */
export function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : 1;
}

/** Dollars for people: cents when it is at least a dollar, more digits for the small sums of small repositories. */
export function formatUsd(n: number): string {
  if (n === 0) return '$0.00';
  if (n < 0.000001) return '< $0.000001';
  return `$${n.toFixed(n >= 1 ? 2 : n >= 0.01 ? 4 : 6)}`;
}

/** A ratio for people: 2.35x. */
export const formatRatio = (r: number): string => `${r.toFixed(2)}x`;
