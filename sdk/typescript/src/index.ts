/**
 * Pier's feature store over HTTP, in Feast's vocabulary and field names, with no runtime dependencies (the global
 * `fetch` of Node 18+ or a browser):
 *
 * ```ts
 * const store = new FeatureStore("http://127.0.0.1:8080");
 * await store.apply(yamlText, { dryRun: true });           // the plan
 * await store.push("driver_push", { driver_id: [1001], conv_rate: [0.5], trips: [7], event_timestamp: [now] });
 * const online = await store.getOnlineFeatures({ entities: { driver_id: [1001] }, featureService: "driver_activity" });
 * ```
 *
 * Every call rejects with a {@link PierApiError} (HTTP status and the server's message) on an answer that is not 2xx.
 */

/** An answer that was not 2xx: `status` is the HTTP status, `detail` the server's explanation, `body` the raw body. */
export class PierApiError extends Error {
  constructor(readonly status: number, readonly detail: string, readonly body: string) {
    super(`${status}: ${detail}`);
    this.name = "PierApiError";
  }
}

/** One definition's change in an apply or plan (`action`: `create`, `update` or `unchanged`). */
export interface Change {
  kind: string;
  name: string;
  action: string;
  from_version: number | null;
  to_version: number | null;
  differences: string[];
  breaking: boolean;
  model_versions?: string[];
}

/** What an apply changed (`applied`) or, for a plan, would change. */
export interface ApplyPlan {
  applied: boolean;
  changes: Change[];
}

/** Where a push writes: Feast's `to`. */
export type PushMode = "online" | "offline" | "online_and_offline";

/** What a push wrote: rows, rows written online per view, and the Parquet object added offline. */
export interface PushResult {
  rows: number;
  written_online: Record<string, number>;
  offline_object?: string | null;
}

/** Named features (`view:feature`, on-demand ones included) or one feature service. */
export type FeatureSelection = { features: string[]; featureService?: never } | { featureService: string; features?: never };

/** One name's column of an online answer. */
export interface OnlineResult {
  values: unknown[];
  statuses: string[];
  event_timestamps: string[];
}

/** Feast's online answer: the names (join keys and request fields first) and one result per name. */
export interface OnlineFeatures {
  metadata: { feature_names: string[] };
  results: OnlineResult[];
}

/** Inline training rows: each entity row with its point-in-time features appended. */
export interface HistoricalFeatures {
  feature_names: string[];
  rows: Record<string, unknown>[];
}

/** Training rows for an `entity_source` Parquet file: where they were written and how many. */
export interface HistoricalOutput {
  output: string;
  rows: number;
  feature_names: string[];
}

type Options = { fullFeatureNames?: boolean };

/** One Pier server's feature store. `apiKey`, when given, is sent as `X-Api-Key`. */
export class FeatureStore {
  private readonly base: string;

  constructor(url: string, private readonly apiKey?: string) {
    this.base = url.replace(/\/+$/, "");
  }

  /**
   * Applies a definitions document: YAML or JSON text, or an object (sent as JSON). `dryRun` only plans; `force`
   * applies a change that breaks registered model versions. A document with problems is a 400 listing them all.
   */
  async apply(document: string | object, options: { dryRun?: boolean; force?: boolean } = {}): Promise<ApplyPlan> {
    const query = new URLSearchParams();
    if (options.dryRun) query.set("dry_run", "true");
    if (options.force) query.set("force", "true");
    const path = "/api/v1/features/apply" + (query.toString() ? "?" + query.toString() : "");
    return typeof document === "string"
      ? this.post(path, document, "application/yaml")
      : this.post(path, JSON.stringify(document), "application/json");
  }

  /** What {@link apply} would change, changing nothing (`?dry_run=true`). */
  plan(document: string | object): Promise<ApplyPlan> {
    return this.apply(document, { dryRun: true });
  }

  /** Feast's `/push`: `df` maps each column (join keys, features, the timestamp field) to its values. */
  push(pushSourceName: string, df: Record<string, unknown[]>, to: PushMode = "online"): Promise<PushResult> {
    return this.postJson("/push", { push_source_name: pushSourceName, df, to });
  }

  /**
   * Feast's `/get-online-features`: `entities` maps each join key (and each request field of an on-demand view) to
   * its values.
   */
  getOnlineFeatures(request: FeatureSelection & Options & { entities: Record<string, unknown[]> }):
      Promise<OnlineFeatures> {
    return this.postJson("/get-online-features", { ...selected(request), entities: request.entities });
  }

  /**
   * Point-in-time correct training rows: inline `entityRows` (up to 10,000; join keys, `event_timestamp`, labels)
   * answered inline, or an `entitySource` Parquet file in S3 answered as a Parquet file at `output` (default:
   * `pier-historical/<uuid>.parquet` next to it).
   */
  getHistoricalFeatures(request: FeatureSelection & Options & { entityRows: Record<string, unknown>[] }):
      Promise<HistoricalFeatures>;
  getHistoricalFeatures(request: FeatureSelection & Options & { entitySource: string; output?: string }):
      Promise<HistoricalOutput>;
  getHistoricalFeatures(request: FeatureSelection & Options & {
    entityRows?: Record<string, unknown>[]; entitySource?: string; output?: string;
  }): Promise<HistoricalFeatures | HistoricalOutput> {
    const body: Record<string, unknown> = selected(request);
    if (request.entityRows !== undefined) body.entity_rows = request.entityRows;
    if (request.entitySource !== undefined) body.entity_source = request.entitySource;
    if (request.output !== undefined) body.output = request.output;
    return this.postJson("/api/v1/features/historical", body);
  }

  private postJson<T>(path: string, body: unknown): Promise<T> {
    return this.post(path, JSON.stringify(body), "application/json");
  }

  private async post<T>(path: string, body: string, contentType: string): Promise<T> {
    const headers: Record<string, string> = { "Content-Type": contentType, Accept: "application/json" };
    if (this.apiKey) headers["X-Api-Key"] = this.apiKey;
    const response = await fetch(this.base + path, { method: "POST", headers, body });
    const text = await response.text();
    if (!response.ok) throw new PierApiError(response.status, detail(text), text);
    return JSON.parse(text) as T;
  }
}

function selected(request: FeatureSelection & Options): Record<string, unknown> {
  const body: Record<string, unknown> = request.features !== undefined
    ? { features: request.features }
    : { feature_service: request.featureService };
  if (request.fullFeatureNames) body.full_feature_names = true;
  return body;
}

/** The problem document's `detail` (or OIP's `error`, MLflow's `message`), else the body itself. */
function detail(text: string): string {
  try {
    const node = JSON.parse(text) as Record<string, unknown>;
    for (const field of ["detail", "error", "message"]) {
      if (typeof node?.[field] === "string") return node[field] as string;
    }
  } catch {
    // not JSON: the body is the message
  }
  return text;
}

export { arm, position, unitHash } from "./assignment.js";
