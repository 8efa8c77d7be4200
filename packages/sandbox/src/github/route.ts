import type { Reply } from './http.js';
import type { AppState, TokenState, WorldStore } from './world.js';

export interface RouteContext {
  method: string;
  /** Path parameters, URL-decoded, by name. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The server's own URL as the client reached it (`http://127.0.0.1:PORT`), for links. */
  baseUrl: string;
  /** The request path without the query. */
  path: string;
  body: string;
  token: TokenState;
  /** The app a JWT spoke for, on the routes that take one (`jwt` routes). */
  app?: AppState;
  store: WorldStore;
  /** Real milliseconds per sandbox millisecond (token lifetimes scale with it). */
  timeScale: number;
}

export type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  segments: string[];
  handler: Handler;
  /** Authenticated by an app's JWT instead of a token. */
  jwt: boolean;
}

export function route(spec: string, handler: Handler, options: { jwt?: boolean } = {}): Route {
  const [method, path] = spec.split(' ') as [string, string];
  return { method, segments: path.split('/').filter(Boolean), handler, jwt: options.jwt ?? false };
}

/** Matches a path (already split, not yet decoded) against the table. */
export function match(routes: readonly Route[], method: string, parts: string[]): { route: Route; params: Record<string, string> } | 'method' | undefined {
  let pathMatched = false;
  for (const r of routes) {
    if (r.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = r.segments.every((seg, i) => {
      const part = parts[i]!;
      if (seg.startsWith(':')) {
        params[seg.slice(1)] = decodeURIComponent(part);
        return true;
      }
      return seg === part;
    });
    if (!ok) continue;
    pathMatched = true;
    if (r.method === method) return { route: r, params };
  }
  return pathMatched ? 'method' : undefined;
}

/** `per_page` (1-100, default 30) and `page` (from 1) of a list request. */
function paging(query: URLSearchParams): { perPage: number; pageNo: number } {
  return {
    perPage: Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30)),
    pageNo: Math.max(1, Number(query.get('page') ?? 1) || 1),
  };
}

export function page<T>(items: T[], query: URLSearchParams): T[] {
  const { perPage, pageNo } = paging(query);
  return items.slice((pageNo - 1) * perPage, pageNo * perPage);
}

/**
 * One page of a list, with GitHub's `Link` header (`rel="next"`, `"last"`, `"first"`, `"prev"`),
 * which Octokit's paginate follows.
 */
export function pageWithLinks<T>(items: T[], ctx: Pick<RouteContext, 'query' | 'baseUrl' | 'path'>): { items: T[]; headers: Record<string, string> } {
  const { perPage, pageNo } = paging(ctx.query);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const query = new URLSearchParams(ctx.query);
    query.set('per_page', String(perPage));
    query.set('page', String(n));
    return `<${ctx.baseUrl}${ctx.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNo < last) links.push(link(pageNo + 1, 'next'), link(last, 'last'));
  if (pageNo > 1) links.push(link(1, 'first'), link(Math.min(pageNo - 1, last), 'prev'));
  return { items: page(items, ctx.query), headers: links.length > 0 ? { link: links.join(', ') } : {} };
}
