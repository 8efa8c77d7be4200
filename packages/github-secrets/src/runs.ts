import type { CallOptions } from './call-options.js';
import type { GitHubClient } from './client.js';
import { badResponse, GitHubErrorCode } from './errors.js';

/** A run that has not finished: GitHub's statuses before `completed`. */
export const LIVE_RUN_STATUSES = ['queued', 'in_progress', 'waiting', 'requested', 'pending'] as const;

export interface WorkflowRunInfo {
  id: number;
  /** `owner/name` */
  repository: string;
  name: string;
  runNumber: number;
  status: string;
  createdAt: string;
  updatedAt: string;
  htmlUrl?: string;
}

function runInfo(data: unknown, repository: string, action: string): WorkflowRunInfo {
  const d = (data ?? {}) as Record<string, unknown>;
  if (typeof d['id'] !== 'number' || typeof d['status'] !== 'string' || typeof d['created_at'] !== 'string') {
    throw badResponse(action, 'a workflow run without id, status or created_at');
  }
  return {
    id: d['id'],
    repository,
    name: typeof d['name'] === 'string' ? d['name'] : 'workflow',
    runNumber: typeof d['run_number'] === 'number' ? d['run_number'] : 0,
    status: d['status'],
    createdAt: d['created_at'],
    updatedAt: typeof d['updated_at'] === 'string' ? d['updated_at'] : d['created_at'],
    ...(typeof d['html_url'] === 'string' ? { htmlUrl: d['html_url'] } : {}),
  };
}

/**
 * The repository's workflow runs that have not finished and were created at or before `createdBy`
 * (ISO 8601): one listing per live status (`GET /repos/{owner}/{repo}/actions/runs?status=…&created=<=…`),
 * every page. Needs "Actions: read".
 */
export async function listLiveRuns(
  client: GitHubClient,
  owner: string,
  repo: string,
  createdBy: string,
  options: CallOptions = {},
): Promise<WorkflowRunInfo[]> {
  const repository = `${owner}/${repo}`;
  const action = `list the unfinished workflow runs of ${repository}`;
  const found = new Map<number, WorkflowRunInfo>();
  for (const status of LIVE_RUN_STATUSES) {
    const runs = await client.call(
      { action, scope: { kind: 'repo', owner, repo }, family: 'actions' },
      (request) =>
        client.octokit.paginate(client.octokit.rest.actions.listWorkflowRunsForRepo, {
          owner,
          repo,
          status: status as never,
          created: `<=${createdBy}`,
          per_page: 100,
          request,
        }),
      options,
    );
    for (const run of runs) {
      const info = runInfo(run, repository, action);
      // A run may change status between two listings; the later listing wins.
      found.set(info.id, info);
    }
  }
  return [...found.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
}

/**
 * Runs created at or before `createdBy` that have finished since `finishedAfter` (both ISO 8601):
 * runs that were still going at that moment and have ended since, though no listing saw them live
 * (they ended before the first look, or while a drain that timed out was not looking). One page of
 * the newest 100 completed runs created by then (`GET …/actions/runs?status=completed&created=<=…`):
 * a run still going at the switch is among the newest created before it unless 100 others were
 * created, and finished, after it.
 */
export async function listRunsFinishedSince(
  client: GitHubClient,
  owner: string,
  repo: string,
  createdBy: string,
  finishedAfter: string,
  options: CallOptions = {},
): Promise<WorkflowRunInfo[]> {
  const repository = `${owner}/${repo}`;
  const action = `list the finished workflow runs of ${repository}`;
  const { data } = await client.call(
    { action, scope: { kind: 'repo', owner, repo }, family: 'actions' },
    (request) => client.octokit.rest.actions.listWorkflowRunsForRepo({ owner, repo, status: 'completed', created: `<=${createdBy}`, per_page: 100, request }),
    options,
  );
  const after = Date.parse(finishedAfter);
  return data.workflow_runs.map((run) => runInfo(run, repository, action)).filter((run) => Date.parse(run.updatedAt) > after);
}

/** One run by id (its current status). undefined when it is gone. */
export async function getRun(client: GitHubClient, owner: string, repo: string, runId: number, options: CallOptions = {}): Promise<WorkflowRunInfo | undefined> {
  const repository = `${owner}/${repo}`;
  const action = `read workflow run ${runId} of ${repository}`;
  try {
    return await client.call(
      { action, scope: { kind: 'repo', owner, repo }, family: 'actions' },
      async (request) => runInfo((await client.octokit.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner, repo, run_id: runId, request })).data, repository, action),
      options,
    );
  } catch (error) {
    if ((error as { code?: string }).code === GitHubErrorCode.notFound) return undefined;
    throw error;
  }
}

/** The organization's repositories (`GET /orgs/{org}/repos`), as `owner/name` with their id and privacy. */
export async function listOrgRepositories(
  client: GitHubClient,
  org: string,
  options: CallOptions = {},
): Promise<Array<{ id: number; fullName: string; private: boolean }>> {
  const action = `list the repositories of organization ${org}`;
  const repos = await client.call(
    { action, scope: { kind: 'org', org }, family: 'metadata' },
    (request) => client.octokit.paginate(client.octokit.rest.repos.listForOrg, { org, per_page: 100, request }),
    options,
  );
  return repos.map((r) => ({ id: r.id, fullName: r.full_name, private: r.private }));
}
