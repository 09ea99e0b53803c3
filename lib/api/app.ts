/**
 * The API proxy: the HTTP routes that the course's API Gateway "Kinesis
 * proxy integration" exposes, mapped onto Kinesis actions.
 *
 * `createApp()` builds the Hono app (tests call `app.request()` without a
 * socket); {@linkcode serveApi} binds it to a port.
 *
 * @module
 */
import { type Handler, Hono, type MiddlewareHandler } from "hono";
import { createFactory } from "hono/factory";
import { zValidator } from "@hono/zod-validator";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { z } from "zod";
import { listStreams, STREAM_NAME_PATTERN } from "../kinesis/admin.ts";
import { awsErrorName, isThrottling, isUnreachable } from "../kinesis/errors.ts";
import { ApiError, type ApiIssue } from "./errors.ts";

/** Kinesis' limit for one record: data plus partition key. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Kinesis' limit for one PutRecords request. */
export const MAX_RECORDS_PER_REQUEST = 500;
/** Kinesis' limit for the records of one PutRecords request. */
export const MAX_REQUEST_RECORD_BYTES = 5 * 1024 * 1024;
/** The largest request body the proxy reads: Kinesis' limit for one PutRecords request. */
export const MAX_REQUEST_BODY_BYTES = 5 * 1024 * 1024;

/** Options of {@linkcode createApp}. */
export interface ApiOptions {
  /** Requests must carry this in `x-api-key` (default: no key required). */
  apiKey?: string;
  /** Receives one access-log line per request (default: none). */
  onLog?: (line: string) => void;
  /**
   * Largest request body accepted, in bytes, counted while the body is read
   * whether or not it has a Content-Length (default
   * {@linkcode MAX_REQUEST_BODY_BYTES}, 5 MiB).
   */
  maxBodyBytes?: number;
}

const PartitionKey = z.string({ error: "must be a string" }).min(1, "must not be empty").max(
  256,
  "must be at most 256 characters",
);
const ExplicitHashKey = z.string().regex(/^\d{1,39}$/, "must be a decimal 128-bit integer")
  .optional();
const DataValue = z.unknown().refine((v) => v !== undefined, "is required");

const PutRecordBody = z.object({
  StreamName: z.string().optional(),
  Data: DataValue,
  PartitionKey,
  ExplicitHashKey,
  SequenceNumberForOrdering: z.string().optional(),
}, { error: "body must be a JSON object" });

const RecordsCount = (n: number) => n >= 1 && n <= MAX_RECORDS_PER_REQUEST;
const RecordsCountMessage = `must hold 1 to ${MAX_RECORDS_PER_REQUEST} records`;
const KinesisRecordsBody = z.object({
  StreamName: z.string().optional(),
  Records: z.array(z.object({ Data: DataValue, PartitionKey, ExplicitHashKey }))
    .refine((r) => RecordsCount(r.length), RecordsCountMessage),
}, { error: "body must be a JSON object" });
const TutorialRecordsBody = z.object({
  StreamName: z.string().optional(),
  // A body with both keys is read as Kinesis-shaped, never as the tutorial's.
  Records: z.never().optional(),
  records: z.array(z.object({ data: DataValue, "partition-key": PartitionKey }))
    .refine((r) => RecordsCount(r.length), RecordsCountMessage),
}, { error: "body must be a JSON object" });

/**
 * The Kinesis-shaped body, or the AWS tutorial's `{records: [{data, "partition-key"}]}`;
 * a failure reports the shape the body got furthest in.
 */
const PutRecordsBody = z.union([KinesisRecordsBody, TutorialRecordsBody], {
  error: "body must be a JSON object",
});

const StreamParam = z.object({
  stream: z.string().regex(STREAM_NAME_PATTERN, {
    error: (issue) =>
      `Invalid stream name "${issue.input}": name must match [a-zA-Z0-9_.-]+ (1 to 128 characters)`,
  }),
});

const CreateStreamBody = z.object({
  StreamName: z.string().optional(),
  ShardCount: z.number().int().min(1).max(10_000).optional(),
  StreamModeDetails: z.object({ StreamMode: z.enum(["ON_DEMAND", "PROVISIONED"]) }).optional(),
}).refine(
  (b) => !(b.StreamModeDetails?.StreamMode === "PROVISIONED" && b.ShardCount === undefined),
  "ShardCount is required for PROVISIONED mode",
).refine(
  (b) => !(b.StreamModeDetails?.StreamMode === "ON_DEMAND" && b.ShardCount !== undefined),
  "ShardCount is not allowed with ON_DEMAND mode",
);

const encoder = new TextEncoder();

/**
 * Builds the API proxy's Hono app over a Kinesis client.
 *
 * @example
 * ```ts ignore
 * const app = createApp(kinesis);
 * const res = await app.request("/streams");
 * ```
 */
export function createApp(kinesis: KinesisClient, options: ApiOptions = {}): Hono {
  const { apiKey, onLog, maxBodyBytes = MAX_REQUEST_BODY_BYTES } = options;
  const app = new Hono({ strict: false });

  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    onLog?.(
      `${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - started).toFixed(1)}ms`,
    );
  });
  if (apiKey !== undefined) {
    app.use(async (c, next) => {
      if (c.req.header("x-api-key") !== apiKey) throw new ApiError(403, "Forbidden");
      await next();
    });
  }
  // Counts the bytes as they arrive and stops reading at the limit, so a
  // chunked body is refused without being held in memory.
  app.use(bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new ApiError(413, bodyTooLarge(maxBodyBytes));
    },
  }));

  const factory = createFactory();
  const stream = zValidator("param", StreamParam, rejectInvalid);

  const listStreamsRoute = factory.createHandlers(async (c) => {
    const names = await callKinesis(() => listStreams(kinesis));
    return c.json({ HasMoreStreams: false, StreamNames: names });
  });

  const createStreamRoute = factory.createHandlers(
    stream,
    jsonBody({ optional: true }),
    zValidator("json", CreateStreamBody, rejectInvalid),
    async (c) => {
      const name = c.req.valid("param").stream;
      const body = c.req.valid("json");
      checkBodyName(body.StreamName, name);
      const provisioned = body.ShardCount !== undefined;
      await callKinesis(
        () =>
          kinesis.send(
            new CreateStreamCommand(
              provisioned
                ? {
                  StreamName: name,
                  ShardCount: body.ShardCount,
                  StreamModeDetails: { StreamMode: "PROVISIONED" },
                }
                : { StreamName: name, StreamModeDetails: { StreamMode: "ON_DEMAND" } },
            ),
          ),
        name,
      );
      return c.json({});
    },
  );

  const describeStreamRoute = factory.createHandlers(stream, async (c) => {
    const name = c.req.valid("param").stream;
    const out = await callKinesis(
      () => kinesis.send(new DescribeStreamCommand({ StreamName: name })),
      name,
    );
    return c.json({ StreamDescription: out.StreamDescription });
  });

  const deleteStreamRoute = factory.createHandlers(stream, async (c) => {
    const name = c.req.valid("param").stream;
    await callKinesis(
      () =>
        kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true })),
      name,
    );
    return c.json({});
  });

  const putRecordRoute = factory.createHandlers(
    stream,
    jsonBody(),
    zValidator("json", PutRecordBody, rejectInvalid),
    async (c) => {
      const name = c.req.valid("param").stream;
      const body = c.req.valid("json");
      checkBodyName(body.StreamName, name);
      const data = encodeData(body.Data, body.PartitionKey, "Data");
      const out = await callKinesis(
        () =>
          kinesis.send(
            new PutRecordCommand({
              StreamName: name,
              Data: data,
              PartitionKey: body.PartitionKey,
              ExplicitHashKey: body.ExplicitHashKey,
              SequenceNumberForOrdering: body.SequenceNumberForOrdering,
            }),
          ),
        name,
      );
      return c.json({
        SequenceNumber: out.SequenceNumber,
        ShardId: out.ShardId,
        ...(out.EncryptionType ? { EncryptionType: out.EncryptionType } : {}),
      });
    },
  );

  const putRecordsRoute = factory.createHandlers(
    stream,
    jsonBody(),
    zValidator("json", PutRecordsBody, rejectInvalid),
    async (c) => {
      const name = c.req.valid("param").stream;
      const body = c.req.valid("json");
      checkBodyName(body.StreamName, name);
      const records = "records" in body
        ? body.records.map((r, i) => ({
          Data: encodeData(r.data, r["partition-key"], `records.${i}.data`),
          PartitionKey: r["partition-key"],
        }))
        : body.Records.map((r, i) => ({
          Data: encodeData(r.Data, r.PartitionKey, `Records.${i}.Data`),
          PartitionKey: r.PartitionKey,
          ExplicitHashKey: r.ExplicitHashKey,
        }));
      const total = records.reduce((n, r) => n + r.Data.byteLength + r.PartitionKey.length, 0);
      if (total > MAX_REQUEST_RECORD_BYTES) {
        throw new ApiError(
          413,
          `Records total ${total} bytes, more than the ${MAX_REQUEST_RECORD_BYTES} bytes Kinesis accepts in one request`,
        );
      }
      const out = await callKinesis(
        () => kinesis.send(new PutRecordsCommand({ StreamName: name, Records: records })),
        name,
      );
      return c.json({
        FailedRecordCount: out.FailedRecordCount ?? 0,
        Records: (out.Records ?? []).map((r) =>
          r.ErrorCode
            ? { ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage }
            : { SequenceNumber: r.SequenceNumber, ShardId: r.ShardId }
        ),
        ...(out.EncryptionType ? { EncryptionType: out.EncryptionType } : {}),
      });
    },
  );

  // The one route table: each path's methods are registered from it, and a
  // request for a path it knows with another method gets 405 with `Allow`
  // listing the same methods.
  const routes: Record<string, Record<string, readonly Handler[]>> = {
    "/streams": { GET: listStreamsRoute },
    "/streams/:stream": {
      GET: describeStreamRoute,
      POST: createStreamRoute,
      DELETE: deleteStreamRoute,
    },
    "/streams/:stream/record": { PUT: putRecordRoute },
    "/streams/:stream/records": { PUT: putRecordsRoute },
  };
  for (const [path, methods] of Object.entries(routes)) {
    for (const [method, handlers] of Object.entries(methods)) app.on(method, [path], ...handlers);
    const allowed = Object.keys(methods).join(", ");
    app.all(path, (c) => {
      c.header("Allow", allowed);
      return c.json({
        message: `Method ${c.req.method} is not allowed on ${c.req.path}: use ${allowed}`,
      }, 405);
    });
  }
  app.notFound((c) => c.json({ message: `No route for ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      return c.json(
        error.issues
          ? { message: error.message, issues: error.issues }
          : { message: error.message },
        error.status,
      );
    }
    if (error instanceof HTTPException) {
      return c.json({ message: error.message || "Request failed" }, error.status);
    }
    console.error(`API proxy: unexpected error on ${c.req.method} ${c.req.path}:`, error);
    return c.json({ message: "Internal error in the API proxy" }, 500);
  });
  return app;
}

function checkBodyName(bodyName: string | undefined, pathName: string): void {
  if (bodyName !== undefined && bodyName !== pathName) {
    throw new ApiError(
      400,
      `StreamName "${bodyName}" in the body disagrees with stream "${pathName}" in the path`,
    );
  }
}

function bodyTooLarge(maxBytes: number): string {
  const mib = maxBytes / (1024 * 1024);
  return `Request body is larger than the ${maxBytes} bytes${
    Number.isInteger(mib) ? ` (${mib} MiB)` : ""
  } the API proxy accepts in one request`;
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** Options of {@linkcode jsonBody}. */
interface JsonBodyOptions {
  /** An empty body reads as `{}` (default false: it is malformed JSON). */
  optional?: boolean;
}

/**
 * Reads the body as JSON whatever its Content-Type, as API Gateway's proxy
 * does for the course's client: refuses text that is not UTF-8 or not JSON
 * with a message saying where, then hands the text on labelled JSON for
 * the zod validator that follows.
 */
function jsonBody(options: JsonBodyOptions = {}): MiddlewareHandler {
  const { optional = false } = options;
  return async (c, next) => {
    let text = decodeBody(new Uint8Array(await c.req.arrayBuffer()));
    if (optional && text.trim() === "") text = "{}";
    // Parsed here for a message that says where it is malformed; the
    // validator parses the same text again for its value.
    parseJson(text);
    const headers = new Headers(c.req.raw.headers);
    headers.set("content-type", "application/json");
    // From the URL, not the request: copying a Deno.serve request reads its
    // signal, and Deno 2.9 then warns on stderr about legacy abort behaviour.
    c.req.raw = new Request(c.req.url, { method: c.req.method, headers, body: text });
    c.req.bodyCache = {};
    await next();
  };
}

/**
 * The body as text, refused unless it is UTF-8 (RFC 8259 section 8.1):
 * a lenient decoder would put U+FFFD in the stream in place of what was sent.
 */
function decodeBody(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new ApiError(
      400,
      `Malformed JSON body: invalid UTF-8 at byte offset ${invalidUtf8Offset(bytes)}`,
    );
  }
}

/**
 * Where the first byte that is not UTF-8 is: the lenient decoding agrees
 * with the bytes up to the first U+FFFD that the bytes do not spell.
 */
function invalidUtf8Offset(bytes: Uint8Array): number {
  const lenient = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  let offset = 0;
  for (const char of lenient) {
    const cp = char.codePointAt(0) ?? 0;
    if (
      cp === 0xfffd && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf &&
        bytes[offset + 2] === 0xbd)
    ) return offset;
    offset += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return offset;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, `Malformed JSON body: ${(error as Error).message}`);
  }
}

/**
 * The validators' hook: the one place a zod failure becomes a 400
 * `{message, issues}`.
 */
function rejectInvalid(
  result: { success: true } | {
    success: false;
    error: z.core.$ZodError;
    data: unknown;
    target: string;
  },
): void {
  if (result.success) return;
  const issues = flattenIssues(result.error.issues, result.data);
  const described = issues.map((
    i,
  ) => (i.path && result.target === "json" ? `${i.path} ${i.message}` : i.message)).join("; ");
  throw new ApiError(
    400,
    result.target === "json" ? `Invalid request body: ${described}` : described,
    issues,
  );
}

function flattenIssues(issues: readonly z.core.$ZodIssue[], input: unknown): ApiIssue[] {
  const out: ApiIssue[] = [];
  for (const issue of issues) {
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // Report the branch that got furthest: the one with the fewest problems,
      // then the one whose problems lie deepest in the body.
      const depth = (e: readonly z.core.$ZodIssue[]) => Math.max(0, ...e.map((i) => i.path.length));
      const best = [...issue.errors].sort((a, b) =>
        a.length - b.length || depth(b) - depth(a)
      )[0] ??
        [];
      const allTopLevel = issue.errors.every((e) => e.every((i) => i.path.length === 0));
      if (!allTopLevel) {
        out.push(
          ...flattenIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })), input),
        );
        continue;
      }
    }
    const message = issue.code === "invalid_type" && valueAt(input, issue.path) === undefined
      ? "is required"
      : issue.message.replace(/^Invalid input: /, "");
    out.push({ path: issue.path.map(String).join("."), message });
  }
  return out;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function encodeData(data: unknown, partitionKey: string, where: string): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(data));
  const size = bytes.byteLength + encoder.encode(partitionKey).byteLength;
  if (size > MAX_RECORD_BYTES) {
    throw new ApiError(
      413,
      `${where} is ${size} bytes with its partition key, more than the ${MAX_RECORD_BYTES} bytes (1 MiB) Kinesis accepts in one record`,
    );
  }
  return bytes;
}

async function callKinesis<T>(call: () => Promise<T>, stream?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toApiError(error, stream);
  }
}

/** Maps a Kinesis error to the proxy's answer. */
export function toApiError(error: unknown, stream?: string): ApiError {
  const name = awsErrorName(error) ?? "";
  const detail = (error as Error)?.message ?? String(error);
  if (name === "ResourceNotFoundException") {
    return new ApiError(
      404,
      stream ? `Stream "${stream}" does not exist` : detail,
      undefined,
      error,
    );
  }
  if (name === "ResourceInUseException") {
    return new ApiError(409, detail || `Stream "${stream}" is in use`, undefined, error);
  }
  if (isThrottling(error)) {
    return new ApiError(
      429,
      `Kinesis is throttling requests (${name}): ${detail}`,
      undefined,
      error,
    );
  }
  if (name === "ValidationException" || name === "InvalidArgumentException") {
    return new ApiError(400, `Kinesis refused the request: ${detail}`, undefined, error);
  }
  if (isUnreachable(error)) {
    return new ApiError(502, `Kinesis is unreachable: ${detail}`, undefined, error);
  }
  return new ApiError(502, `Kinesis failed (${name || "error"}): ${detail}`, undefined, error);
}

/** Options of {@linkcode serveApi}. */
export interface ServeApiOptions extends ApiOptions {
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind (default `127.0.0.1`). */
  hostname?: string;
}

/** A running API proxy. */
export interface ApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting requests and waits for in-flight ones. */
  shutdown(): Promise<void>;
  /** Same as shutdown(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Serves the API proxy on a port. */
export function serveApi(kinesis: KinesisClient, options: ServeApiOptions = {}): ApiServer {
  const { port = 0, hostname = "127.0.0.1", ...appOptions } = options;
  const app = createApp(kinesis, appOptions);
  const server = Deno.serve({ port, hostname, onListen: () => {} }, app.fetch);
  const bound = (server.addr as Deno.NetAddr).port;
  const shutdown = () => server.shutdown();
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${bound}`,
    port: bound,
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
}
