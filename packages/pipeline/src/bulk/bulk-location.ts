/** Where a bulk run reads: `s3://bucket/prefix` → the bucket (keys stay bucket keys) and the prefix, a directory → itself. */
import { parseS3Url } from "../store/s3-url.js";

/**
 * The source store location and listing prefix of a bulk input.
 * @example
 * bulkSource("s3://data/images/2024"); // { source: "s3://data", prefix: "images/2024/" }
 * bulkSource("./photos"); // { source: "./photos", prefix: "" }
 */
export function bulkSource(input: string): { source: string; prefix: string } {
  if (!input.startsWith("s3://")) return { source: input, prefix: "" };
  const { bucket, prefix } = parseS3Url(input);
  return { source: `s3://${bucket}`, prefix: prefix ? `${prefix}/` : "" };
}
