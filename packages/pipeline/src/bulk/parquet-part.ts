/**
 * A bulk part as Parquet (`--format parquet`), the JSON Lines part's columns with types readers load as they are
 * (pandas, pyarrow, duckdb, Spark): embed → `key`, `model`, `version` (strings) and `embedding` (a LIST of FLOAT:
 * the engine's float32 values); classify → `key` and `predictions` (a LIST of structs `{ label: string, score:
 * double }`). One row group, Snappy pages (hyparquet-writer's default), standard three-level lists.
 */
import { parquetWriteBuffer, type SchemaElement } from "hyparquet-writer";
import type { Prediction } from "../serving/shape-results.js";

/**
 * One output row of an embed part.
 * @example
 * const row: EmbedRow = { key: "images/a.jpg", model: "pets", version: "v3", embedding: [0.1, 0.2] };
 */
export interface EmbedRow {
  key: string;
  model: string;
  version: string;
  embedding: number[];
}

/**
 * One output row of a classify part.
 * @example
 * const row: ClassifyRow = { key: "images/a.jpg", predictions: [{ label: "cat", score: 0.93 }] };
 */
export interface ClassifyRow {
  key: string;
  predictions: Prediction[];
}

const text = (name: string): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "REQUIRED",
});

/** A REQUIRED three-level LIST (`<name>.list.element`) whose element is `element` (and its children). */
const list = (name: string, element: SchemaElement[]): SchemaElement[] => [
  { name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  ...element,
];

const EMBED_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: 4 },
  text("key"),
  text("model"),
  text("version"),
  ...list("embedding", [{ name: "element", type: "FLOAT", repetition_type: "REQUIRED" }]),
];

const CLASSIFY_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: 2 },
  text("key"),
  ...list("predictions", [
    { name: "element", repetition_type: "REQUIRED", num_children: 2 },
    text("label"),
    { name: "score", type: "DOUBLE", repetition_type: "REQUIRED" },
  ]),
];

/**
 * The Parquet bytes of an embed part (zero rows give a valid, empty file).
 * @example
 * await out.put("part-3f0c1e2d4b5a6978.parquet", embedParquet(rows));
 */
export function embedParquet(rows: readonly EmbedRow[]): Buffer {
  const columnData = [
    { name: "key", data: rows.map((r) => r.key) },
    { name: "model", data: rows.map((r) => r.model) },
    { name: "version", data: rows.map((r) => r.version) },
    { name: "embedding", data: rows.map((r) => r.embedding) },
  ];
  return Buffer.from(parquetWriteBuffer({ schema: EMBED_SCHEMA, columnData, createdBy: "residual bulk" }));
}

/**
 * The Parquet bytes of a classify part (zero rows give a valid, empty file).
 * @example
 * await out.put("part-3f0c1e2d4b5a6978.parquet", classifyParquet(rows));
 */
export function classifyParquet(rows: readonly ClassifyRow[]): Buffer {
  const columnData = [
    { name: "key", data: rows.map((r) => r.key) },
    {
      name: "predictions",
      data: rows.map((r) => r.predictions.map((p) => ({ label: p.label, score: p.score }))),
    },
  ];
  return Buffer.from(parquetWriteBuffer({ schema: CLASSIFY_SCHEMA, columnData, createdBy: "residual bulk" }));
}
