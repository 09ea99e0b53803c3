/**
 * A real HTTP proxy in front of the Kinesis emulator for the source's tests:
 * GetRecords pages are cut to a given size, as Kinesis cuts them at its size
 * limit, and every Limit asked for is recorded.
 *
 * @module
 */

/**
 * A real HTTP proxy in front of the emulator that makes GetRecords return
 * short pages, as Kinesis does when a page reaches its size limit: the
 * request's Limit is lowered to page before it reaches the emulator (whose
 * answer, next iterator included, is passed back as it is), and a full page
 * reports MillisBehindLatest above 0, as there may be more. Every Limit
 * asked for is recorded.
 */
export function shortPageProxy(target: string, page: number): {
  endpoint: string;
  limits: number[];
  shutdown(): Promise<void>;
} {
  const limits: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("host");
    headers.delete("content-length");
    let body = await req.text();
    const getRecords = headers.get("x-amz-target")?.endsWith(".GetRecords") ?? false;
    if (getRecords) {
      const input = JSON.parse(body);
      limits.push(input.Limit);
      input.Limit = Math.min(input.Limit ?? 10_000, page);
      body = JSON.stringify(input);
    }
    const res = await fetch(new URL(url.pathname + url.search, target), {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    let text = await res.text();
    if (getRecords && res.ok) {
      const output = JSON.parse(text);
      if ((output.Records?.length ?? 0) === page) {
        output.MillisBehindLatest = Math.max(output.MillisBehindLatest ?? 0, 1_000);
      }
      text = JSON.stringify(output);
    }
    const out = new Headers(res.headers);
    out.delete("content-length");
    out.delete("content-encoding");
    return new Response(text, { status: res.status, headers: out });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    limits,
    shutdown: () => server.shutdown(),
  };
}
