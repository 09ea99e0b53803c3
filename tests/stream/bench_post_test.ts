import assert from "node:assert/strict";
import { postSteady } from "../../bench/stream.ts";
import type { SourceTables } from "../../lib/data/mod.ts";

Deno.test("bench stream posting stops at the end of its window when the API is slow", async () => {
  // A saturated emulator: every PutRecords answers after 200 ms, whatever its size.
  let requests = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    requests++;
    const body = await req.json() as { Records: unknown[] };
    await new Promise((r) => setTimeout(r, 200));
    return Response.json({ FailedRecordCount: 0, Records: body.Records.map(() => ({})) });
  });
  try {
    const okAt = new Map<number, number>();
    await postSteady(
      {
        apiUrl: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
        signal: new AbortController().signal,
        source: { pin: [{}], geo: [{}], user: [{}] } as unknown as SourceTables,
      },
      { pin: "p", geo: "g", user: "u" },
      { rate: 50_000, durationMs: 1000, batch: true, from: 0, okAt },
    );
    // A 1 s window of 200 ms requests holds at most a handful of rounds; rows
    // that fell due while waiting used to be sent after the window, for about
    // ten times longer (about 100 requests). A slower machine only sends fewer.
    assert.ok(requests <= 60, `posting sent ${requests} requests`);
    assert.ok(okAt.size > 0);
  } finally {
    await server.shutdown();
  }
});
