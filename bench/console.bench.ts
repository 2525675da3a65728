// The console at scale, in Debian's chromium (headless, playwright-core): the page of an execution of a 5,000-node
// workflow (node executions in every phase, the execution still RUNNING so the page keeps refreshing) and the
// executions list of a project-domain holding 100,000 executions. The console is built from this checkout's sources
// (vite, into a temporary directory) and served by admin at /console from a platform started in a child process
// (bench/console-platform.ts: the server's work does not share an event loop with the automation); the rows are seeded
// straight into its SQLite database. Baselines from the same run: the same pages for a 2-node
// execution and for a project-domain of 2 executions.
//
// Figures (in-page clocks: milliseconds since the navigation started, recorded by a MutationObserver installed before
// any of the page's scripts):
// - first view: the first node of the execution shown with its phase (a graph node, or a row of the node list);
//   for the list, the first execution row.
// - interactive: right after the first view the benchmark clicks node n0 (a real mouse click through CDP on its row
//   in the node list, as a person would); the time at which its details panel shows the node's phase. This includes
//   the automation's own round trips (about 150-300 ms here, see the baseline). Click latency: from that click's
//   pointerdown to the panel. For the list: it scrolls to the last loaded row; the time at which the next page's rows
//   are in the list (the baseline list has one page: its figure is its first view).
// - blocking: the Long Tasks API's total blocking time (Σ duration − 50 ms) up to "interactive", and during the
//   following 5 s of live refresh; heap: JSHeapUsedSize after those 5 s.
// - timeline opened: on the big execution's page (its node list shown), a click on the Timeline summary until its
//   first node row is drawn; blocking: total blocking time from the click to 5 s after (the timeline's own refreshes).
// Usage: npm run bench:console [-- --nodes 5000 --executions 100000 --runs 3 --timeout 60 --only timeline]
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium as playwright, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { D, LIST_DOMAIN, P } from "./console-seed.ts";
import { report } from "./summary.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "5000" },
    executions: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    timeout: { type: "string", default: "60" },
    /** "timeline": only the timeline figures (a quicker run). */
    only: { type: "string", default: "" },
  },
});
const NODES = Number(values.nodes);
const EXECUTIONS = Number(values.executions);
const RUNS = Number(values.runs);
const TIMEOUT = Number(values.timeout) * 1000;
const SETTLE_MS = 5000;

const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
if (!chromium) {
  console.error("chromium is not installed (apt-get install -y chromium)");
  process.exit(1);
}

/** What the page records: when a selector first matched (ms since navigation start) and the long tasks. */
interface Marks {
  first?: number;
  ready?: number;
  /** The first pointerdown (the benchmark's click). */
  down?: number;
  longTasks: { start: number; duration: number }[];
}

/** The page's global object in the functions run in the page (the root tsconfig has no DOM types; casts erase). */
type PageGlobal = { __bench: Marks };

/**
 * Installed before the page's own scripts: long tasks, and watchers that stamp when `first` and `ready` first match.
 * Plain JavaScript text (a function would be serialised with the helpers tsx adds, which the page does not have).
 */
const instrument = (first: string, ready: string) => `
  const marks = { longTasks: [] };
  window.__bench = marks;
  addEventListener("pointerdown", () => { marks.down ??= performance.now(); }, true);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) marks.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
  for (const [name, selector] of [["first", ${JSON.stringify(first)}], ["ready", ${JSON.stringify(ready)}]]) {
    const observer = new MutationObserver(() => check());
    const check = () => {
      if (marks[name] === undefined && document.querySelector(selector)) {
        marks[name] = performance.now();
        observer.disconnect();
      }
    };
    observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
  }
`;

interface Sample {
  first: number;
  interactive: number;
  /** From the click's pointerdown to the panel (what a person waits for once they clicked). */
  clickLatency: number;
  tbt: number;
  /** Total blocking time during SETTLE_MS of live refresh after interactive. */
  refreshTbt: number;
  heapMb: number;
}

const blocking = (tasks: Marks["longTasks"], from: number, to: number) =>
  tasks.filter((t) => t.start >= from && t.start < to).reduce((s, t) => s + Math.max(0, t.duration - 50), 0);

/** Opens `url` in a fresh page; `interact` runs once the first view is there and waits for its own outcome. */
async function measure(
  browser: Browser,
  url: string,
  first: string,
  ready: string,
  interact: (page: Page) => Promise<void>,
): Promise<Sample> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (err) => process.stderr.write(`page error: ${err.message}\n`));
  try {
    await page.addInitScript({ content: instrument(first, ready) });
    await page.goto(url, { waitUntil: "commit" });
    const timedOut = { first: false, ready: false };
    await page
      .waitForFunction(() => (globalThis as unknown as PageGlobal).__bench.first !== undefined, null, {
        timeout: TIMEOUT,
      })
      .catch(() => {
        timedOut.first = true;
      });
    if (!timedOut.first)
      await Promise.race([
        interact(page),
        page.waitForFunction(() => (globalThis as unknown as PageGlobal).__bench.ready !== undefined, null, {
          timeout: TIMEOUT,
        }),
      ]).catch(() => {
        timedOut.ready = true;
      });
    await page
      .waitForFunction(() => (globalThis as unknown as PageGlobal).__bench.ready !== undefined, null, {
        timeout: TIMEOUT,
      })
      .catch(() => {
        timedOut.ready = true;
      });
    const at = await page.evaluate(() => performance.now());
    await page.waitForTimeout(SETTLE_MS);
    const marks = await page.evaluate(() => ({
      first: (globalThis as unknown as PageGlobal).__bench.first,
      ready: (globalThis as unknown as PageGlobal).__bench.ready,
      longTasks: (globalThis as unknown as PageGlobal).__bench.longTasks,
      down: (globalThis as unknown as PageGlobal).__bench.down,
    }));
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const heap = metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
    const interactive = timedOut.ready ? Number.POSITIVE_INFINITY : (marks.ready ?? Number.POSITIVE_INFINITY);
    return {
      first: timedOut.first ? Number.POSITIVE_INFINITY : (marks.first ?? Number.POSITIVE_INFINITY),
      interactive,
      clickLatency: marks.down !== undefined && Number.isFinite(interactive) ? interactive - marks.down : 0,
      tbt: blocking(marks.longTasks, 0, Number.isFinite(interactive) ? interactive : at),
      refreshTbt: blocking(marks.longTasks, at, at + SETTLE_MS),
      heapMb: heap / 1e6,
    };
  } finally {
    await context.close();
  }
}

/**
 * A big graph drawn on request: from the click on "Draw the graph" to its first node in the SVG (ELK lays it out in a
 * Web Worker), and the main thread's blocking time meanwhile (the layout itself must not block the page).
 */
async function measureDraw(browser: Browser, url: string): Promise<{ drawn: number; tbt: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.addInitScript({ content: instrument("[data-node-row]", "svg.dag [data-node-id]") });
    await page.goto(url, { waitUntil: "commit" });
    const draw = page.getByRole("button", { name: "Draw the graph" });
    // A console that draws every graph at once has no such button: nothing to measure.
    if (
      !(await draw.waitFor({ timeout: TIMEOUT }).then(
        () => true,
        () => false,
      ))
    )
      return { drawn: Number.NaN, tbt: Number.NaN };
    const from = await page.evaluate(() => performance.now());
    await draw.click();
    const drawn = await page
      .waitForFunction(() => (globalThis as unknown as PageGlobal).__bench.ready !== undefined, null, {
        timeout: TIMEOUT * 3,
        polling: 200,
      })
      .then(() => page.evaluate(() => (globalThis as unknown as PageGlobal).__bench.ready ?? Number.NaN))
      .catch(() => Number.POSITIVE_INFINITY);
    const to = Number.isFinite(drawn) ? drawn : await page.evaluate(() => performance.now());
    const tasks = await page.evaluate(() => (globalThis as unknown as PageGlobal).__bench.longTasks);
    return { drawn: drawn - from, tbt: blocking(tasks, from, to) };
  } finally {
    await context.close();
  }
}

/** The timeline opened on a loaded execution page: click on its summary → its first node row, and blocking time. */
async function measureTimeline(browser: Browser, url: string): Promise<{ opened: number; tbt: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.addInitScript({ content: instrument("[data-node-row]", ".timeline-row.node") });
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForSelector("[data-node-row]", { timeout: TIMEOUT });
    const summary = page.locator("summary.timeline-summary");
    const box = await summary.boundingBox();
    if (!box) throw new Error("the timeline's summary has no box");
    const from = await page.evaluate(() => performance.now());
    await page.mouse.click(box.x + 10, box.y + box.height / 2);
    const opened = await page
      .waitForFunction(() => (globalThis as unknown as PageGlobal).__bench.ready !== undefined, null, {
        timeout: TIMEOUT,
        polling: 100,
      })
      .then(() => page.evaluate(() => (globalThis as unknown as PageGlobal).__bench.ready ?? Number.NaN))
      .catch(() => Number.POSITIVE_INFINITY);
    await page.waitForTimeout(SETTLE_MS);
    const to = await page.evaluate(() => performance.now());
    const tasks = await page.evaluate(() => (globalThis as unknown as PageGlobal).__bench.longTasks);
    return { opened: opened - from, tbt: blocking(tasks, from, to) };
  } finally {
    await context.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function measureRuns(run: () => Promise<Sample>): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await run());
  const pick = (k: keyof Sample) => median(samples.map((s) => s[k]));
  return {
    first: pick("first"),
    interactive: pick("interactive"),
    clickLatency: pick("clickLatency"),
    tbt: pick("tbt"),
    refreshTbt: pick("refreshTbt"),
    heapMb: pick("heapMb"),
  };
}

// The first node with its phase: a graph node, or a row of the node list.
const NODE_SHOWN =
  '[data-node-id][data-phase]:not([data-phase="UNDEFINED"]), [data-node-row] .phase, .split table .phase';
const NODE_PANEL = 'section[aria-label="Node n0"] .phase';
/**
 * A real mouse click (CDP input, acknowledged by the page's main thread) on node n0's row as soon as it is there; again
 * if the row moved under the pointer (a layout shift): the page answers but the panel did not open.
 */
const clickNode = async (page: Page) => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const button = await page.waitForSelector('[data-node-row="n0"] button, .split table button', { timeout: TIMEOUT });
    // A graph drawn above the list can push it out of view (the console before the incremental loading did).
    await button.scrollIntoViewIfNeeded({ timeout: TIMEOUT });
    const box = await button.boundingBox();
    if (!box) throw new Error("node n0's row has no box");
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const opened = await page
      .waitForFunction(() => (globalThis as unknown as PageGlobal).__bench.ready !== undefined, null, { timeout: 2000 })
      .then(() => true)
      .catch(() => false);
    if (opened) return;
    // A page that is busy answers this only once it has handled the click (a second click would deselect the node).
    if (await page.evaluate(() => (globalThis as unknown as PageGlobal).__bench.ready !== undefined)) return;
    process.stderr.write("the click on n0 did not open its panel: clicking again\n");
  }
};
const ROW_SHOWN = ".exec-row a";

const dir = mkdtempSync(join(tmpdir(), "aloft-console-bench-"));
let t0 = performance.now();
await build({
  root: join(import.meta.dirname, "..", "packages", "console"),
  logLevel: "warn",
  build: { outDir: dir, emptyOutDir: true },
});
process.stderr.write(`console built in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
t0 = performance.now();
const server = fork(join(import.meta.dirname, "console-platform.ts"), [dir, String(NODES), String(EXECUTIONS)], {
  execArgv: ["--conditions=@aloft/source", "--import", "tsx"],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
let browser: Browser | undefined;
try {
  const base = await new Promise<string>((resolve, reject) => {
    server.once("message", (m) => resolve((m as { httpUrl: string }).httpUrl));
    server.once("exit", (code) => reject(new Error(`the platform process exited (${code}) before it was ready`)));
  });
  process.stderr.write(`platform up and seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  browser = await playwright.launch({
    executablePath: chromium,
    args: ["--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"],
  });
  const b = browser;
  const execUrl = (name: string) => `${base}/console/projects/${P}/domains/${D}/executions/${name}`;
  const listUrl = (domain: string) => `${base}/console/projects/${P}/domains/${domain}/executions`;
  const scrollList = async (page: Page) => {
    await page.locator(".exec-scroll").evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
  };
  // Warm-up: chromium's first page pays for its own start.
  await measure(b, execUrl("tiny"), NODE_SHOWN, NODE_PANEL, clickNode);

  const timelines: { opened: number; tbt: number }[] = [];
  for (let i = 0; i < RUNS; i++) timelines.push(await measureTimeline(b, execUrl("big")));
  const timeline = {
    opened: median(timelines.map((t) => t.opened)),
    tbt: median(timelines.map((t) => t.tbt)),
  };
  console.log(
    `\ntimeline of the ${NODES}-node execution, median of ${RUNS}: opened in ${timeline.opened.toFixed(0)} ms, ` +
      `blocking ${timeline.tbt.toFixed(0)} ms (click → ${SETTLE_MS / 1000} s after)`,
  );
  if (values.only !== "timeline") {
    const execBase = await measureRuns(() => measure(b, execUrl("tiny"), NODE_SHOWN, NODE_PANEL, clickNode));
    const exec = await measureRuns(() => measure(b, execUrl("big"), NODE_SHOWN, NODE_PANEL, clickNode));
    const drawing = await measureDraw(b, execUrl("big"));
    const listBase = await measureRuns(() => measure(b, listUrl(D), ROW_SHOWN, ROW_SHOWN, async () => {}));
    // The next page is there when the list holds a row beyond the first page (100 rows).
    const listPage2 = `.exec-row a[href$="/x${EXECUTIONS - 100}"]`;
    const list = await measureRuns(() =>
      measure(b, listUrl(LIST_DOMAIN), ROW_SHOWN, listPage2, async (page) => {
        await scrollList(page);
      }),
    );

    const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : `> ${TIMEOUT / 1000} s (timed out)`);
    const ratio = (a: number, b: number) => (Number.isFinite(a) && b > 0 ? `${(a / b).toFixed(1)}×` : "");
    console.log(
      `\nconsole in chromium (headless), median of ${RUNS} runs, ${NODES} nodes / ${EXECUTIONS} executions\n`,
    );
    console.log("| page | figure | value | baseline | ratio |");
    console.log("| --- | --- | --- | --- | --- |");
    const rows: [string, string, number, number, string][] = [
      [`execution, ${NODES} nodes`, "first view (first node with its phase)", exec.first, execBase.first, "ms"],
      [
        `execution, ${NODES} nodes`,
        "interactive (node n0 clicked → its panel)",
        exec.interactive,
        execBase.interactive,
        "ms",
      ],
      [
        `execution, ${NODES} nodes`,
        "click latency (pointerdown → panel)",
        exec.clickLatency,
        execBase.clickLatency,
        "ms",
      ],
      [`execution, ${NODES} nodes`, "total blocking time to interactive", exec.tbt, execBase.tbt, "ms"],
      [
        `execution, ${NODES} nodes`,
        `blocking time in ${SETTLE_MS / 1000} s of live refresh`,
        exec.refreshTbt,
        execBase.refreshTbt,
        "ms",
      ],
      [`execution, ${NODES} nodes`, "JS heap after", exec.heapMb, execBase.heapMb, "MB"],
      [`execution, ${NODES} nodes`, "graph drawn on request (click → first SVG node)", drawing.drawn, 0, "ms"],
      [`execution, ${NODES} nodes`, "blocking time while it is laid out and drawn", drawing.tbt, 0, "ms"],
      [`list, ${EXECUTIONS} executions`, "first view (first row)", list.first, listBase.first, "ms"],
      [
        `list, ${EXECUTIONS} executions`,
        "interactive (scroll → next page's rows)",
        list.interactive,
        listBase.interactive,
        "ms",
      ],
      [`list, ${EXECUTIONS} executions`, "total blocking time to interactive", list.tbt, listBase.tbt, "ms"],
      [`list, ${EXECUTIONS} executions`, "JS heap after", list.heapMb, listBase.heapMb, "MB"],
    ];
    for (const [pageName, figure, v, bl, unit] of rows) {
      const show = (x: number) => (unit === "MB" ? `${x.toFixed(1)} MB` : ms(x));
      console.log(`| ${pageName} | ${figure} | ${show(v)} | ${show(bl)} | ${ratio(v, bl)} |`);
    }
    const finite = (x: number) => (Number.isFinite(x) ? x : TIMEOUT);
    report("console", [
      {
        figure: `execution ${NODES} nodes: first view`,
        value: finite(exec.first),
        baseline: execBase.first,
        unit: "ms",
        goal: "< 1000 ms",
      },
      {
        figure: `execution ${NODES} nodes: interactive`,
        value: finite(exec.interactive),
        baseline: execBase.interactive,
        unit: "ms",
        goal: "< 1000 ms",
      },
      {
        figure: `executions list ${EXECUTIONS}: first view`,
        value: finite(list.first),
        baseline: listBase.first,
        unit: "ms",
        goal: "< 1000 ms",
      },
      {
        figure: `executions list ${EXECUTIONS}: interactive`,
        value: finite(list.interactive),
        baseline: listBase.interactive,
        unit: "ms",
        goal: "< 1000 ms",
      },
    ]);
  }
} finally {
  await browser?.close();
  if (server.connected) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.send("close");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
