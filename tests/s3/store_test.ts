/**
 * What is special about committing to S3: a store that ignores
 * `If-None-Match` is refused before any commit, and a lost conditional PUT
 * is told apart from one that made it.
 */
import assert from "node:assert/strict";
import { DeltaTable, openStorage, UnsafeStoreError } from "../../lib/delta/mod.ts";
import { S3_TEST, skipWithoutMoto, withLocalS3 } from "../_s3.ts";
import { everyTypeFrame } from "../delta/_fixtures.ts";

const ignore = skipWithoutMoto("S3 conditional writes");

/**
 * A tiny HTTP proxy in front of `upstream` that drops the If-None-Match
 * header, as a store without conditional writes behaves.
 */
function headerStrippingProxy(upstream: string): { endpoint: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("if-none-match");
    const body = req.method === "GET" || req.method === "HEAD"
      ? undefined
      : await req.arrayBuffer();
    const res = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body,
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  });
  return { endpoint: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

Deno.test({
  name: "a store that ignores If-None-Match is refused before any commit, naming the setting",
  ignore,
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const proxy = headerStrippingProxy(s3.endpoint);
      try {
        Deno.env.set("AWS_ENDPOINT_URL_S3", proxy.endpoint);
        const location = s3.url("lake/default/pins");
        await assert.rejects(
          () => DeltaTable.create(location, everyTypeFrame().schema),
          (error: unknown) => {
            assert.ok(error instanceof UnsafeStoreError);
            assert.equal(
              error.message,
              `Cannot commit to ${location}: the store does not honour conditional writes ` +
                "(a second PUT with If-None-Match: * was not refused), so concurrent writers " +
                "could overwrite each other's commits; set AWS_S3_ALLOW_UNSAFE_RENAME=true to " +
                "allow a single writer at your own risk",
            );
            return true;
          },
        );
        Deno.env.set("AWS_ENDPOINT_URL_S3", s3.endpoint);
        assert.deepEqual(await openStorage(s3.url()).list(""), [], "nothing was written");
        Deno.env.set("AWS_ENDPOINT_URL_S3", proxy.endpoint);
        Deno.env.set("AWS_S3_ALLOW_UNSAFE_RENAME", "true");
        const table = await DeltaTable.create(location, everyTypeFrame().schema);
        await table.append(everyTypeFrame(0, 2));
        assert.equal((await DeltaTable.open(location)).version, 1);
      } finally {
        Deno.env.delete("AWS_S3_ALLOW_UNSAFE_RENAME");
        await proxy.close();
      }
    });
  },
});

Deno.test({
  name:
    "writeIfAbsent on S3: the first writer wins, the second is told, a repeat of the same bytes is ours",
  ignore,
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const storage = openStorage(s3.url("t"));
      assert.equal(await storage.writeIfAbsent("_delta_log/0.json", "mine"), true);
      assert.equal(await storage.writeIfAbsent("_delta_log/0.json", "theirs"), false);
      // A retried PUT whose first attempt made it answers 412; the bytes say it was ours.
      assert.equal(await storage.writeIfAbsent("_delta_log/0.json", "mine"), true);
      assert.equal(
        new TextDecoder().decode((await storage.read("_delta_log/0.json"))!),
        "mine",
      );
      const listed = await openStorage(s3.url()).list("");
      assert.deepEqual(listed.map((f) => f.path), ["t/_delta_log/0.json"], "no probe object left");
    });
  },
});

/**
 * A proxy in front of `upstream` that forwards the first conditional PUT of
 * each key in `lose` and then answers `status` instead of moto's answer, as
 * when an answer is lost or a concurrent conditional write is reported.
 */
function losingProxy(
  upstream: string,
  lose: Map<string, number>,
): { endpoint: string; lost: string[]; close(): Promise<void> } {
  const lost: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = req.method === "GET" || req.method === "HEAD"
      ? undefined
      : await req.arrayBuffer();
    const res = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body,
    });
    const key = [...lose.keys()].find((k) => url.pathname.endsWith(k));
    if (req.method === "PUT" && req.headers.has("if-none-match") && key && res.ok) {
      const status = lose.get(key)!;
      lose.delete(key);
      lost.push(`${key} ${status}`);
      await res.body?.cancel();
      const code = status === 409 ? "ConditionalRequestConflict" : "InternalError";
      return new Response(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>` +
          `<Message>answer lost by the test proxy</Message></Error>`,
        { status, headers: { "content-type": "application/xml" } },
      );
    }
    return new Response(res.body, { status: res.status, headers: res.headers });
  });
  return { endpoint: `http://127.0.0.1:${server.addr.port}`, lost, close: () => server.shutdown() };
}

Deno.test({
  name:
    "a commit whose answer is a 409 or a 500 is read back and counted once, not retried as lost",
  ignore,
  ...S3_TEST,
  async fn() {
    await withLocalS3(async (s3) => {
      const proxy = losingProxy(
        s3.endpoint,
        new Map([
          ["_delta_log/00000000000000000001.json", 409],
          ["_delta_log/00000000000000000002.json", 500],
        ]),
      );
      try {
        Deno.env.set("AWS_ENDPOINT_URL_S3", proxy.endpoint);
        const location = s3.url("lake/default/pins");
        const table = await DeltaTable.create(location, everyTypeFrame().schema);
        const first = await table.append(everyTypeFrame(0, 2), { txn: { appId: "q", version: 0 } });
        const second = await table.append(everyTypeFrame(2, 2), {
          txn: { appId: "q", version: 1 },
        });
        assert.deepEqual([first.version, second.version], [1, 2]);
        assert.deepEqual(proxy.lost, [
          "_delta_log/00000000000000000001.json 409",
          "_delta_log/00000000000000000002.json 500",
        ]);
        const commits = (await openStorage(location).list("_delta_log/")).map((f) => f.path);
        assert.deepEqual(
          commits,
          [0, 1, 2].map((v) => `_delta_log/${String(v).padStart(20, "0")}.json`),
        );
        const reopened = await DeltaTable.open(location);
        assert.deepEqual(
          (await reopened.read()).getColumn("id").toArray().map(Number).sort(),
          [0, 1, 2, 3],
        );
      } finally {
        await proxy.close();
      }
    });
  },
});

Deno.test({
  name: "listPaths gives the paths list gives, sorted, at any depth, on the local disk and on S3",
  ignore,
  ...S3_TEST,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "pinstream-list-" });
    try {
      await withLocalS3(async (s3) => {
        for (const storage of [openStorage(dir), openStorage(s3.url("t"))]) {
          for (const path of ["b/2.json", "a.txt", "b/10.json", "b/c/d.parquet", "bb/x"]) {
            await storage.write(path, path);
          }
          for (const prefix of ["", "b/", "b", "b/c/", "none/"]) {
            const listed = (await storage.list(prefix)).map((f) => f.path);
            assert.deepEqual(
              await storage.listPaths(prefix),
              listed,
              `${storage.location} ${prefix}`,
            );
          }
          assert.deepEqual(await storage.listPaths("b/"), [
            "b/10.json",
            "b/2.json",
            "b/c/d.parquet",
          ]);
          assert.deepEqual(await storage.listPaths("b"), [
            "b/10.json",
            "b/2.json",
            "b/c/d.parquet",
            "bb/x",
          ]);
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
