// The node executions of one execution, loaded incrementally so a 5,000-node execution stays responsive: the first
// refresh answers with a small first page and loads the rest in the background (telling `onMore` after each page, and
// once more with `done` when all are there); from then on, each refresh asks only for the rows changed since the
// previous one (an `updated_at` filter from the server's own clock, the HTTP Date header) and merges them by node id.
import type { NodeExecution } from "./types.ts";

export interface NodeExecutionPage {
  items: NodeExecution[];
  token: string;
  /** The server's clock when it answered (ms since the epoch), from its Date header; NaN when unknown. */
  serverTime: number;
}

export type FetchNodeExecutions = (q: {
  token: string;
  limit: number;
  updatedSince?: string;
}) => Promise<NodeExecutionPage>;

/** The first page: what a screen shows, quickly. The pages after it: fewer round trips. */
export const FIRST_PAGE = 100;
export const PAGE = 500;

/**
 * How far before the previous answer's Date a refresh looks back: the header has whole seconds, and a row written by a
 * transaction that committed after the previous read may carry an earlier time. Rows in the window come again; the
 * merge makes that harmless.
 */
export const LOOK_BACK_MS = 5000;

export class NodeExecutionCache {
  private readonly byId = new Map<string, NodeExecution>();
  /** Where the initial load continues ("" once it is complete). */
  private token = "";
  private started = false;
  private background: Promise<void> | undefined;
  /** RFC 3339: rows updated at or after this are asked for on the next refresh. */
  private since: string | undefined;
  private snapshot: NodeExecution[] | undefined;

  constructor(
    private readonly fetchPage: FetchNodeExecutions,
    private readonly onMore: (done: boolean) => void,
  ) {}

  /** Whether every page of the initial load has arrived. */
  get complete(): boolean {
    return this.started && this.token === "" && this.background === undefined;
  }

  /** The node executions known so far, in the order they first arrived (the same array until something changes). */
  list(): NodeExecution[] {
    this.snapshot ??= [...this.byId.values()];
    return this.snapshot;
  }

  /** First call: the first page (the rest follows in the background). Later: the changes since the previous call. */
  async refresh(): Promise<NodeExecution[]> {
    if (!this.started) {
      this.started = true;
      const first = await this.fetchPage({ token: "", limit: FIRST_PAGE });
      this.merge(first.items);
      this.since = lookBack(first.serverTime);
      this.token = first.token;
      if (this.token !== "") this.background = this.loadRest();
      return this.list();
    }
    // While the initial load runs, its pages are the news; changes during it are asked for afterwards (`since` is
    // from before its first page).
    if (!this.complete) return this.list();
    let token = "";
    let next: string | undefined;
    do {
      const page = await this.fetchPage({ token, limit: PAGE, ...(this.since ? { updatedSince: this.since } : {}) });
      this.merge(page.items);
      next ??= lookBack(page.serverTime);
      token = page.token;
    } while (token !== "");
    if (next) this.since = next;
    return this.list();
  }

  private async loadRest(): Promise<void> {
    try {
      while (this.token !== "") {
        const page = await this.fetchPage({ token: this.token, limit: PAGE });
        this.merge(page.items);
        this.token = page.token;
        if (this.token !== "") this.onMore(false);
      }
    } catch {
      // The next refresh starts over from the first page: its rows are merged, nothing is lost.
      this.started = false;
      this.token = "";
    } finally {
      this.background = undefined;
      this.onMore(true);
    }
  }

  private merge(items: NodeExecution[]): void {
    if (items.length > 0) this.snapshot = undefined;
    for (const ne of items) this.byId.set(ne.id.node_id, ne);
  }
}

function lookBack(serverTime: number): string | undefined {
  return Number.isFinite(serverTime) ? new Date(serverTime - LOOK_BACK_MS).toISOString() : undefined;
}
