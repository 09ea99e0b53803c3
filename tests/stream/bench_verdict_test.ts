import assert from "node:assert/strict";
import config from "../../deno.json" with { type: "json" };
import {
  boundedMemoryVerdict,
  drainVerdict,
  formatVerdict,
  memoryVerdict,
  percentile,
  ratioVerdict,
  type StepFigures,
  stepVerdict,
  sustainedCeiling,
  taskV8Flags,
} from "../../bench/_verdicts.ts";

const step = (over: Partial<StepFigures> = {}): StepFigures => ({
  targetPerStream: 1000,
  achievedPerStream: 1000,
  p99Ms: 400,
  missing: 0,
  rows: 180_000,
  ...over,
});

Deno.test("a step that reached its rate with p99 under 1 s and nothing missing is met", () => {
  assert.deepEqual(stepVerdict(step()), { met: true, why: [] });
  assert.equal(formatVerdict(stepVerdict(step({ achievedPerStream: 950 }))), "met");
});

Deno.test("a step below 95% of its target rate is not met, however low its latency", () => {
  const v = stepVerdict(step({ achievedPerStream: 949, p99Ms: 5 }));
  assert.equal(v.met, false);
  assert.match(formatVerdict(v), /^not met \(rate 949\/s < 95% of 1000\/s\)$/);
});

Deno.test("a step with p99 at 1 s or above, or rows missing, or none measured, is not met", () => {
  assert.equal(stepVerdict(step({ p99Ms: 1000 })).met, false);
  assert.equal(stepVerdict(step({ missing: 1 })).met, false);
  assert.equal(stepVerdict(step({ rows: 0, p99Ms: NaN })).met, false);
  // Every failed condition is named.
  assert.equal(stepVerdict(step({ achievedPerStream: 10, p99Ms: 3000, missing: 2 })).why.length, 3);
});

Deno.test("the sustained ceiling is the highest step met with every lower step met", () => {
  const steps = [
    step({ targetPerStream: 4000, achievedPerStream: 3000 }),
    step({ targetPerStream: 1000 }),
    step({ targetPerStream: 2000, achievedPerStream: 2000 }),
  ];
  assert.equal(sustainedCeiling(steps), 2000);
  // A lucky higher step above a failed one does not count.
  assert.equal(
    sustainedCeiling([
      step({ targetPerStream: 1000, p99Ms: 2000 }),
      step({ targetPerStream: 2000, achievedPerStream: 2000 }),
    ]),
    undefined,
  );
});

Deno.test("the drain verdict compares records/s and needs every record committed and read raw", () => {
  const ok = drainVerdict({ records: 1000, ms: 1000, committed: 1000 }, { records: 1000, ms: 800 });
  assert.equal(ok.met, true);
  assert.equal(ok.ratio, 0.8);
  const slow = drainVerdict({ records: 1000, ms: 2000, committed: 1000 }, {
    records: 1000,
    ms: 1000,
  });
  assert.equal(slow.met, false);
  const short = drainVerdict({ records: 1000, ms: 100, committed: 999 }, {
    records: 1000,
    ms: 1000,
  });
  assert.equal(short.met, false);
  assert.match(short.why.join(), /committed 999 of 1000/);
});

Deno.test("the memory verdict needs every peak under 1 GiB and no growth with the backlog", () => {
  const MiB = 1024 ** 2;
  assert.equal(
    memoryVerdict([{ records: 100_000, peakBytes: 300 * MiB }, {
      records: 1_000_000,
      peakBytes: 320 * MiB,
    }]).met,
    true,
  );
  assert.equal(
    memoryVerdict([{ records: 100_000, peakBytes: 300 * MiB }, {
      records: 1_000_000,
      peakBytes: 600 * MiB,
    }]).met,
    false,
  );
  assert.equal(memoryVerdict([{ records: 1, peakBytes: 2048 * MiB }]).met, false);
  assert.equal(memoryVerdict([]).met, false);
});

Deno.test("the bounded memory verdict compares only the backlogs larger than one batch of every query", () => {
  const MiB = 1024 ** 2;
  const peaks = [
    { records: 100_000, peakBytes: 400 * MiB },
    { records: 300_000, peakBytes: 600 * MiB },
    { records: 1_000_000, peakBytes: 620 * MiB },
  ];
  // 100,000 records fill less than the 120,000 of one batch per query: left out.
  assert.deepEqual(boundedMemoryVerdict(peaks, 120_000), { met: true, why: [] });
  assert.equal(memoryVerdict(peaks).met, false, "all three: 1.55x");
  const growing = boundedMemoryVerdict(
    [...peaks.slice(0, 2), { records: 1_000_000, peakBytes: 900 * MiB }],
    120_000,
  );
  assert.equal(growing?.met, false);
  assert.match(growing!.why.join(), /grows 1.50x from 300000 to 1000000/);
  assert.equal(boundedMemoryVerdict(peaks, 500_000), null, "one backlog only above the bound");
});

Deno.test("percentile() takes the nearest rank and ratioVerdict() a limit", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 0.5), 50);
  assert.equal(percentile(values, 0.99), 99);
  assert.ok(Number.isNaN(percentile([], 0.5)));
  assert.equal(ratioVerdict(19, 10, 2).met, true);
  assert.equal(ratioVerdict(21, 10, 2).met, false);
});

Deno.test("the query processes of bench stream get the V8 flags of the query and stream tasks", () => {
  const flags = taskV8Flags(config.tasks.query);
  assert.deepEqual(flags, ["--v8-flags=--max-old-space-size=1024"]);
  assert.deepEqual(taskV8Flags(config.tasks.stream), flags);
  assert.deepEqual(taskV8Flags("deno run -A cli/query.ts"), []);
});
