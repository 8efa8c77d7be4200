import { authorize, canSee } from './auth.js';
import { HttpError, notFound, type Reply } from './http.js';
import { pageWithLinks, type RouteContext } from './route.js';
import { findOrg, findRepo } from './scopes.js';
import type { RepoState, RunConclusion, RunRecord, RunStatus, WorldState } from './world.js';

export const RUN_STATUSES: readonly RunStatus[] = ['requested', 'queued', 'pending', 'waiting', 'in_progress', 'completed'];
export const RUN_CONCLUSIONS: readonly RunConclusion[] = [
  'success',
  'failure',
  'cancelled',
  'neutral',
  'skipped',
  'stale',
  'timed_out',
  'action_required',
];

export const runsOf = (repo: RepoState): RunRecord[] => {
  repo.runs ??= [];
  return repo.runs;
};

/**
 * The secret values a run of the repository gets when it starts: organization secrets the
 * repository can see, then the repository's, then the environment's (the narrower level wins).
 */
export function secretsVisibleTo(world: WorldState, repo: RepoState, environment?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const org = world.orgs[repo.owner.toLowerCase()];
  for (const s of Object.values(org?.secrets ?? {})) {
    const visibility = s.visibility ?? 'private';
    const sees =
      visibility === 'all' || (visibility === 'private' && repo.private) || (s.selectedRepositoryIds ?? []).includes(repo.id);
    if (sees) out[s.name] = s.value;
  }
  for (const s of Object.values(repo.secrets)) out[s.name] = s.value;
  if (environment !== undefined) for (const s of Object.values(repo.environments[environment]?.secrets ?? {})) out[s.name] = s.value;
  return out;
}

/** Reading runs needs fine-grained "Actions: read" or, for a private repository, the classic `repo` scope. */
function guardRuns(world: WorldState, ctx: RouteContext): RepoState {
  const repo = findRepo(world, ctx.params['owner']!, ctx.params['repo']!, ctx.token);
  if (repo.private) authorize(ctx.token, { scopes: ['repo'], permissions: [{ actions: 'read' }] });
  return repo;
}

function runJson(ctx: RouteContext, repo: RepoState, run: RunRecord): Record<string, unknown> {
  const api = `${ctx.baseUrl}/repos/${repo.owner}/${repo.name}`;
  return {
    id: run.id,
    name: run.name,
    display_title: run.name,
    run_number: run.runNumber,
    run_attempt: 1,
    event: run.event,
    head_branch: run.headBranch,
    status: run.status,
    conclusion: run.conclusion,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.runStartedAt ?? run.createdAt,
    url: `${api}/actions/runs/${run.id}`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/actions/runs/${run.id}`,
    repository: { id: repo.id, name: repo.name, full_name: `${repo.owner}/${repo.name}`, private: repo.private },
  };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A bound of GitHub's date search syntax as [first ms, last ms] (a date covers its whole UTC day). */
function span(text: string): [number, number] {
  if (DATE.test(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    if (Number.isFinite(start)) return [start, start + 86_400_000 - 1];
  } else if (DATE_TIME.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return [at, at + 999];
  }
  throw new HttpError(422, `Validation Failed: created "${text}" is not a date (YYYY-MM-DD) or date-time (ISO 8601)`);
}

/**
 * `created=` as GitHub's search syntax reads it: `>=X`, `>X`, `<=X`, `<X`, `X..Y` (`*` for an open
 * end) or a single date or date-time.
 */
export function createdFilter(raw: string): (ms: number) => boolean {
  const text = raw.trim();
  const op = /^(>=|<=|>|<)(.+)$/.exec(text);
  if (op) {
    const [first, last] = span(op[2]!);
    if (op[1] === '>=') return (ms) => ms >= first;
    if (op[1] === '>') return (ms) => ms > last;
    if (op[1] === '<=') return (ms) => ms <= last;
    return (ms) => ms < first;
  }
  const range = /^(.+)\.\.(.+)$/.exec(text);
  if (range) {
    const from = range[1] === '*' ? -Infinity : span(range[1]!)[0];
    const to = range[2] === '*' ? Infinity : span(range[2]!)[1];
    return (ms) => ms >= from && ms <= to;
  }
  const [first, last] = span(text);
  return (ms) => ms >= first && ms <= last;
}

function statusFilter(raw: string): (run: RunRecord) => boolean {
  if ((RUN_STATUSES as readonly string[]).includes(raw)) return (run) => run.status === raw;
  if ((RUN_CONCLUSIONS as readonly string[]).includes(raw)) return (run) => run.conclusion === raw;
  throw new HttpError(
    422,
    `Validation Failed: status "${raw}" is not one of ${[...RUN_STATUSES, ...RUN_CONCLUSIONS].join(', ')}`,
  );
}

/** `GET /repos/{owner}/{repo}/actions/runs`: newest first, filtered by status, created, branch and event. */
export function listRuns(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  const repo = guardRuns(world, ctx);
  const filters: Array<(run: RunRecord) => boolean> = [];
  const status = ctx.query.get('status');
  if (status) filters.push(statusFilter(status));
  const created = ctx.query.get('created');
  if (created) {
    const inRange = createdFilter(created);
    filters.push((run) => inRange(Date.parse(run.createdAt)));
  }
  const branch = ctx.query.get('branch');
  if (branch) filters.push((run) => run.headBranch === branch);
  const event = ctx.query.get('event');
  if (event) filters.push((run) => run.event === event);
  const all = runsOf(repo)
    .filter((run) => filters.every((f) => f(run)))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id);
  const { items, headers } = pageWithLinks(all, ctx);
  return { status: 200, headers, body: { total_count: all.length, workflow_runs: items.map((run) => runJson(ctx, repo, run)) } };
}

/** `GET /repos/{owner}/{repo}/actions/runs/{run_id}`. */
export function getRun(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  const repo = guardRuns(world, ctx);
  const run = runsOf(repo).find((r) => String(r.id) === ctx.params['runId']);
  if (!run) throw notFound();
  return { status: 200, body: runJson(ctx, repo, run) };
}

/** `GET /orgs/{org}/repos`: the organization's repositories the token can see (for org secrets with visibility all/private). */
export function listOrgRepos(ctx: RouteContext): Reply {
  const world = ctx.store.read();
  const org = findOrg(world, ctx.params['org']!);
  const type = ctx.query.get('type') ?? 'all';
  const repos = Object.values(world.repos)
    .filter((r) => r.owner.toLowerCase() === org.login.toLowerCase())
    .filter((r) => canSee(ctx.token, `${r.owner}/${r.name}`))
    .filter((r) => (type === 'private' ? r.private : type === 'public' ? !r.private : true))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => ({ id: r.id, name: r.name, full_name: `${r.owner}/${r.name}`, private: r.private, visibility: r.private ? 'private' : 'public' }));
  const { items, headers } = pageWithLinks(repos, ctx);
  return { status: 200, headers, body: items };
}

