/**
 * A small client of the Residual HTTP API over real HTTP (fetch), for the demo and scripts. Responses are parsed
 * with zod; an error response becomes an ApiCallError carrying the API's own error code.
 */
import { z } from "zod";
import { ResidualError } from "../errors.js";

/** A non-2xx answer from the API (its `error.code` and `message`), or no answer at all (`unreachable`). */
export class ApiCallError extends ResidualError {
  override readonly name = "ApiCallError";
  override readonly permanent = false;
  constructor(
    code: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(code, message);
  }
}

const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const JobViewSchema = z.looseObject({
  id: z.string(),
  state: z.enum(["queued", "running", "succeeded", "failed"]),
  progress: z
    .looseObject({
      epoch: z.number(),
      epochs: z.number(),
      metrics: z.record(z.string(), z.number()).optional(),
    })
    .optional(),
  result: z
    .object({ model: z.string(), version: z.string(), metrics: z.record(z.string(), z.number()).optional() })
    .optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type JobView = z.infer<typeof JobViewSchema>;

export const EmbeddingsSchema = z.object({
  model: z.string(),
  version: z.string(),
  dim: z.number().int(),
  embeddings: z.array(z.array(z.number())),
});

export const ClassifySchema = z.object({
  model: z.string(),
  version: z.string(),
  results: z.array(
    z.object({
      predictions: z.array(z.object({ label: z.string(), score: z.number() })),
      unknown: z.boolean(),
    }),
  ),
});

export const ModelViewSchema = z.looseObject({
  name: z.string(),
  latest: z.string(),
  labels: z.array(z.string()).optional(),
  metrics: z.looseObject({ val: z.looseObject({ top1: z.number() }).optional() }).optional(),
});

/**
 * A client of the Residual HTTP API over real HTTP; error answers become ApiCallErrors with the API's code.
 * @example
 * const api = new ApiClient("http://127.0.0.1:8080", process.env.RESIDUAL_API_TOKEN);
 * if (await api.healthy()) console.log(await api.job("shapes-1a2b"));
 */
export class ApiClient {
  /** `token`: the bearer token of a server started with `--token` (or `RESIDUAL_API_TOKEN`). */
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  private async call<T>(path: string, schema: z.ZodType<T>, init: RequestInit = {}): Promise<T> {
    let res: Response;
    const headers = new Headers(init.headers);
    if (this.token) headers.set("authorization", `Bearer ${this.token}`);
    try {
      res = await fetch(`${this.baseUrl}${path}`, { ...init, headers });
    } catch (err) {
      throw new ApiCallError(
        "unreachable",
        `no API answers at ${this.baseUrl}: ${(err as Error).message}`,
        0,
      );
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (res.status === 401) {
      throw new ApiCallError(
        "unauthorized",
        this.token
          ? `${this.baseUrl} refused the API token (HTTP 401): pass the one the server was started with`
          : `${this.baseUrl} needs an API token (HTTP 401): pass --token <t> or set RESIDUAL_API_TOKEN`,
        401,
      );
    }
    if (!res.ok) {
      const e = ErrorBodySchema.safeParse(json);
      const [code, message] = e.success
        ? [e.data.error.code, e.data.error.message]
        : ["http_error", res.statusText];
      throw new ApiCallError(code, `${path}: ${message} (HTTP ${res.status})`, res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new ApiCallError("bad_response", `${path}: unexpected response shape`, res.status);
    return parsed.data;
  }

  /** Whether a Residual API answers `/healthz` within `timeoutMs`. */
  async healthy(timeoutMs = 1500): Promise<boolean> {
    return (await this.health(timeoutMs)) !== undefined;
  }

  /** `/healthz` (with the served store's fingerprint, store-fingerprint.ts), or undefined when nothing answers. */
  async health(timeoutMs = 1500): Promise<{ store?: string } | undefined> {
    try {
      return await this.call("/healthz", z.object({ ok: z.literal(true), store: z.string().optional() }), {
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      return undefined;
    }
  }

  /** Whether this client may call the API (its token, if the server wants one): throws `unauthorized` if not. */
  async checkAccess(): Promise<void> {
    await this.call("/v1/models", z.looseObject({}));
  }

  /** The job's status, or undefined while no worker has claimed it yet (404). */
  async job(id: string): Promise<JobView | undefined> {
    try {
      return await this.call(`/v1/jobs/${encodeURIComponent(id)}`, JobViewSchema);
    } catch (err) {
      if (err instanceof ApiCallError && err.httpStatus === 404) return undefined;
      throw err;
    }
  }

  model(name: string) {
    return this.call(`/v1/models/${encodeURIComponent(name)}`, ModelViewSchema);
  }

  private post<T>(path: string, body: object, schema: z.ZodType<T>): Promise<T> {
    return this.call(path, schema, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  embeddings(model: string, images: Buffer[]) {
    const body = { model, images: images.map((b) => ({ base64: b.toString("base64") })) };
    return this.post("/v1/embeddings", body, EmbeddingsSchema);
  }

  classify(model: string, images: Buffer[], topK = 3) {
    const body = { model, topK, images: images.map((b) => ({ base64: b.toString("base64") })) };
    return this.post("/v1/classify", body, ClassifySchema);
  }
}
