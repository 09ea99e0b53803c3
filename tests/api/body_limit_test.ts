/**
 * The 5 MiB request cap through a real socket: `deno task api` in its own
 * process, sent 100 MiB with a Content-Length and 100 MiB chunked, must
 * answer 413 after reading about 5 MiB, without its memory growing by the
 * body's size.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureStreams } from "../../lib/kinesis/admin.ts";
import { lazyBody, ROOT } from "../_helpers.ts";
import { KINESIS_TEST, readAllText, startKinesis } from "../_kinesis.ts";

const PIN = "streaming-t1-pin";
const LIMIT = 5 * 1024 * 1024;
const HUNDRED_MIB = 100 * 1024 * 1024;
const TOO_LARGE = {
  message:
    "Request body is larger than the 5242880 bytes (5 MiB) the API proxy accepts in one request",
};

/** The peak resident set size of a process, in bytes (Linux `/proc`). */
async function peakRss(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  assert.ok(kib, `no VmHWM in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** The largest receive plus send buffer the kernel gives a TCP socket (Linux `/proc`). */
async function socketBufferMax(): Promise<number> {
  let total = 0;
  for (const name of ["tcp_rmem", "tcp_wmem"]) {
    const max = (await Deno.readTextFile(`/proc/sys/net/ipv4/${name}`)).trim().split(/\s+/)[2];
    total += Number(max);
  }
  return total;
}

/** Reads lines from the child's stdout until one matches, and returns its match. */
async function waitForLine(
  lines: AsyncIterator<string>,
  pattern: RegExp,
): Promise<RegExpExecArray> {
  const seen: string[] = [];
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`The API proxy exited before printing ${pattern}:\n${seen.join("")}`);
    seen.push(value);
    const match = pattern.exec(value);
    if (match) return match;
  }
}

/** Sends the head of a request with a Content-Length and the first `send` bytes of its body. */
async function rawPut(
  url: URL,
  path: string,
  contentLength: number,
  send: number,
): Promise<{ status: number; body: unknown }> {
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    const head = `PUT ${path} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`;
    await conn.write(new TextEncoder().encode(head));
    await conn.write(new Uint8Array(send).fill(0x20));
    const decoder = new TextDecoder();
    let text = "";
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
      const end = text.indexOf("\r\n\r\n");
      const length = /^content-length: (\d+)$/im.exec(text.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && text.length >= end + 4 + Number(length)) break;
    }
    const [statusLine = "", ...rest] = text.split("\r\n");
    const body = rest.slice(rest.indexOf("") + 1).join("\r\n");
    return { status: Number(statusLine.split(" ")[1]), body: JSON.parse(body) };
  } finally {
    conn.close();
  }
}

Deno.test({
  name: "deno task api answers 413 to 100 MiB bodies after reading about 5 MiB, chunked or not",
  ...KINESIS_TEST,
  fn: async (t) => {
    const { kinesis, emulator, close } = await startKinesis();
    let child: Deno.ChildProcess | undefined;
    try {
      await ensureStreams(kinesis, "t1");
      child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          join(ROOT, "cli/api.ts"),
          "--port",
          "0",
          "--endpoint",
          emulator.endpoint,
          "--quiet",
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
      const url = new URL((await waitForLine(lines, /listening on (http:\/\/\S+)/))[1] ?? "");
      // Drain the rest of its output so the child never blocks on a full pipe.
      const drained = (async () => {
        for await (const _ of lines);
      })();

      const warm = await fetch(new URL("/streams", url));
      assert.equal(warm.status, 200);
      await warm.body?.cancel();
      const before = await peakRss(child.pid);

      await t.step("with a Content-Length, before reading the body", async () => {
        assert.deepEqual(await rawPut(url, `/streams/${PIN}/records`, HUNDRED_MIB, 64 * 1024), {
          status: 413,
          body: TOO_LARGE,
        });
      });

      await t.step("chunked, while the client has sent a fraction of the body", async () => {
        const body = lazyBody(HUNDRED_MIB);
        const res = await fetch(new URL(`/streams/${PIN}/records`, url), {
          method: "PUT",
          body,
          headers: { "content-type": "application/json" },
        });
        assert.equal(res.status, 413);
        assert.deepEqual(await res.json(), TOO_LARGE);
        // Past the 5 MiB the server read, what the client pulled sits in the
        // kernel's socket buffers, which autotuning may grow to their maxima.
        const bound = LIMIT + await socketBufferMax() + 1024 * 1024;
        assert.ok(bound < HUNDRED_MIB / 2, `socket buffers of ${bound} bytes make this test moot`);
        assert.ok(body.pulled() < bound, `${body.pulled()} bytes were pulled, ${bound} at most`);
      });

      await t.step("the server's peak memory grew by far less than the body", async () => {
        const growth = (await peakRss(child!.pid)) - before;
        assert.ok(growth < 64 * 1024 * 1024, `peak RSS grew by ${growth} bytes`);
      });

      await t.step("the server still answers and wrote nothing", async () => {
        const res = await fetch(new URL("/streams", url));
        assert.equal(res.status, 200);
        await res.body?.cancel();
        assert.deepEqual(await readAllText(kinesis, PIN), []);
      });

      child.kill("SIGTERM");
      assert.equal((await child.status).success, true);
      await drained;
      child = undefined;
    } finally {
      if (child) {
        child.kill("SIGKILL");
        await child.status;
        await child.stdout.cancel().catch(() => {});
      }
      await close();
    }
  },
});
