// Local mode (`residual start` / `residual demo`): the whole pipeline in one process, and the demo's pieces.
export { ApiCallError, ApiClient, type JobView } from "./api-client.js";
export { writeDatasetArchive, writeDatasetFolder } from "./dataset-archive.js";
export type { DemoProbe } from "./demo-queries.js";
export {
  LOCAL_QUEUE_DIR,
  type ModeFlags,
  type PipelineMode,
  resolveMode,
} from "./pipeline-mode.js";
export { type DemoOptions, DemoOptionsSchema, type DemoResult, demoSpec, runDemo } from "./run-demo.js";
export { startBanner } from "./start-banner.js";
export { type RunningPipeline, type StartPipelineOptions, startPipeline } from "./start-pipeline.js";
export {
  renderShape,
  SHAPE_CLASSES,
  type ShapeClass,
  type ShapesDatasetOptions,
  shapesDatasetFiles,
} from "./synthetic-shapes.js";
export { progressLine, type TerminalOut, withTerminalProgress } from "./terminal-progress.js";
export { type WaitOptions, waitForJob } from "./wait-for-job.js";
export { runWorkerLoop, type WorkerLoopOptions } from "./worker-loop.js";
