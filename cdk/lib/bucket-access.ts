import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { BUCKET_PREFIXES } from "./residual-bucket.js";

/**
 * Who may touch which part of the bucket layout, in one place so the least-privilege story can be read (and
 * tested) at a glance. Object wildcards stay inside one prefix (accepted in nag-suppressions.ts); ListBucket is
 * on the bucket without an `s3:prefix` condition so that missing keys are 404s, not 403s.
 */

const { datasets, jobs, models, backbones, cache, bulk } = BUCKET_PREFIXES;

/**
 * Serving (embed, classify, jobs Lambdas): read models, backbones and job status; list those prefixes.
 *
 * @example
 * grantServingRead(embedFunction.role!, data.bucket);
 */
export function grantServingRead(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  addStatements(
    grantee,
    bucket,
    {
      read: [`${models}*`, `${backbones}*`, `${jobs}*/status.json`],
      write: [],
      list: [models, backbones, jobs],
    },
    "Serving",
  );
  bucket.encryptionKey?.grantDecrypt(grantee);
}

/**
 * The jobs API Lambda, besides serving reads: read a job's dataset report and log (the dashboard's job page) and
 * upload dataset archives (`POST /v1/datasets` writes `datasets/<name>.<ext>`; that upload starts the job).
 *
 * @example
 * grantJobsApiAccess(jobsFunction.role!, data.bucket);
 */
export function grantJobsApiAccess(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  addStatements(
    grantee,
    bucket,
    {
      read: [`${jobs}*/report.json`, `${jobs}*/log.txt`],
      write: [],
      list: [],
    },
    "JobsApi",
  );
  // Uploads only: no tagging (no lifecycle tag on datasets), multipart for bodies over the part size.
  grantee.grantPrincipal.addToPrincipalPolicy(
    statement(
      "UploadDatasets",
      ["s3:PutObject", "s3:AbortMultipartUpload"],
      [bucket.arnForObjects(`${datasets}*`)],
    ),
  );
  bucket.encryptionKey?.grantEncryptDecrypt(grantee);
}

/**
 * Dispatcher Lambda: claim jobs by writing `jobs/<id>/status.json` (put-if-absent makes redelivery harmless) and
 * read a claim back when a redelivered event finds it taken.
 *
 * @example
 * grantDispatcherStatusWrite(dispatcher.role!, data.bucket);
 */
export function grantDispatcherStatusWrite(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  const status = `${jobs}*/status.json`;
  addStatements(grantee, bucket, { read: [status], write: [status], list: [jobs] }, "Dispatcher");
  bucket.encryptionKey?.grantEncryptDecrypt(grantee);
}

/**
 * Training container: read datasets and backbones; read and write jobs (status, reports, checkpoints), models and
 * the compiled dataset caches.
 *
 * @example
 * grantTrainingAccess(training.jobRole, data.bucket);
 */
export function grantTrainingAccess(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  addStatements(
    grantee,
    bucket,
    {
      read: [`${datasets}*`, `${backbones}*`, `${jobs}*`, `${models}*`, `${cache}*`],
      write: [`${jobs}*`, `${models}*`, `${cache}*`],
      list: [datasets, backbones, jobs, models, cache],
    },
    "Training",
  );
  bucket.encryptionKey?.grantEncryptDecrypt(grantee);
}

/**
 * Bulk batch Lambda: what serving reads (models, backbones), the images under the bulk input prefixes, and the
 * run's output under `bulk/` (read back: a part's summary tells a re-run to skip it).
 *
 * @example
 * grantBulkBatch(batch.role, data.bucket, ["images/"]);
 */
export function grantBulkBatch(
  grantee: iam.IGrantable,
  bucket: s3.IBucket,
  inputPrefixes: readonly string[],
): void {
  addStatements(
    grantee,
    bucket,
    {
      read: [`${models}*`, `${backbones}*`, ...inputPrefixes.map((p) => `${p}*`), `${bulk}*`],
      write: [`${bulk}*`],
      list: [models, backbones, bulk, ...inputPrefixes],
    },
    "BulkBatch",
  );
  bucket.encryptionKey?.grantEncryptDecrypt(grantee);
}

/**
 * Backbone-seeding Lambda (the deploy-time custom resource): read (HEAD) and write `backbones/` only, to skip a
 * backbone already there and to put a new one; no tagging (backbones never expire).
 *
 * @example
 * grantBackboneSeeding(seed.role, data.bucket);
 */
export function grantBackboneSeeding(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  addStatements(grantee, bucket, { read: [`${backbones}*`], write: [], list: [backbones] }, "BackboneSeed");
  grantee.grantPrincipal.addToPrincipalPolicy(
    statement(
      "WriteBackbones",
      ["s3:PutObject", "s3:AbortMultipartUpload"],
      [bucket.arnForObjects(`${backbones}*`)],
    ),
  );
  bucket.encryptionKey?.grantEncryptDecrypt(grantee);
}

/**
 * Bulk manifest Lambda: read the part summaries of a run and write its `_SUCCESS`, all under `bulk/`.
 *
 * @example
 * grantBulkManifest(manifest.role, data.bucket);
 */
export function grantBulkManifest(grantee: iam.IGrantable, bucket: s3.IBucket): void {
  addStatements(grantee, bucket, { read: [`${bulk}*`], write: [`${bulk}*`], list: [bulk] }, "BulkManifest");
  bucket.encryptionKey?.grantEncryptDecrypt(grantee);
}

interface Access {
  read: string[];
  write: string[];
  list: string[];
}

/** `who` prefixes the statement ids: a role given two grants (the jobs API) must not carry one Sid twice. */
function addStatements(grantee: iam.IGrantable, bucket: s3.IBucket, access: Access, who: string): void {
  const statements: iam.PolicyStatement[] = [];
  if (access.read.length > 0) {
    statements.push(
      statement(
        `${who}ReadObjects`,
        ["s3:GetObject"],
        access.read.map((p) => bucket.arnForObjects(p)),
      ),
    );
  }
  if (access.write.length > 0) {
    // PutObjectTagging: checkpoints are written with the tag the lifecycle rule expires them by.
    const actions = ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"];
    statements.push(
      statement(
        `${who}WriteObjects`,
        actions,
        access.write.map((p) => bucket.arnForObjects(p)),
      ),
    );
  }
  if (access.list.length > 0) {
    // No `s3:prefix` condition: without an unconditional ListBucket, S3 answers 403 instead of 404 for a missing
    // key (GET/HEAD carry no prefix), and the API could not tell "no such job/model" from a permission error.
    statements.push(statement(`${who}ListBucket`, ["s3:ListBucket"], [bucket.bucketArn]));
  }
  for (const s of statements) grantee.grantPrincipal.addToPrincipalPolicy(s);
}

function statement(sid: string, actions: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, actions, resources });
}
