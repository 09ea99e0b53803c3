import assert from "node:assert/strict";
import { postSteady } from "../../bench/stream.ts";
import type { SourceTables } from "../../lib/data/mod.ts";

Deno.test("bench stream posting stops at the end of its window when the API is slow", async () => {
  // A saturated emulator: every PutRecords answers after 200 ms, whatever its size.
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.json() as { Records: unknown[] };
    await new Promise((r) => setTimeout(r, 200));
    return Response.json({ FailedRecordCount: 0, Records: body.Records.map(() => ({})) });
  });
  try {
    const okAt = new Map<number, number>();
    const t0 = performance.now();
    await postSteady(
      {
        apiUrl: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
        signal: new AbortController().signal,
        source: { pin: [{}], geo: [{}], user: [{}] } as unknown as SourceTables,
      },
      { pin: "p", geo: "g", user: "u" },
      { rate: 50_000, durationMs: 1000, batch: true, from: 0, okAt },
    );
    const took = performance.now() - t0;
    // The window, then only the two requests in flight at its end: before, rows that
    // fell due while waiting were all sent after it, for far longer than the window.
    assert.ok(took < 1000 + 200 + 400, `posting took ${took.toFixed(0)} ms`);
    assert.ok(okAt.size > 0);
    assert.ok(Math.max(...okAt.values()) - t0 < 1000 + 200 + 400);
  } finally {
    await server.shutdown();
  }
});
