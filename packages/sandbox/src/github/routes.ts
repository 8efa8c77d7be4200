import { createAccessToken, getAccountInstallation, getApp, getInstallation, getRepoInstallation, listInstallations } from './apps.js';
import { deleteEnvironment, getEnvironment, listEnvironments, putEnvironment } from './environments.js';
import { getRepo, getUser } from './meta.js';
import { type Route, route } from './route.js';
import { getRun, listOrgRepos, listRuns } from './runs.js';
import {
  addSelectedRepo,
  deleteSecret,
  getPublicKey,
  getSecret,
  listSecrets,
  listSelectedRepos,
  putSecret,
  removeSelectedRepo,
  setSelectedRepos,
} from './secrets.js';
import { createVariable, deleteVariable, getVariable, listVariables, updateVariable } from './variables.js';

const REPO = '/repos/:owner/:repo/actions';
const ENV = '/repos/:owner/:repo/environments/:environment';
const ORG = '/orgs/:org/actions';

/** Every endpoint the sandbox speaks; secrets and variables at the three levels share handlers. */
export const routes: readonly Route[] = [
  route('GET /user', getUser),
  route('GET /app', getApp, { jwt: true }),
  route('GET /app/installations', listInstallations, { jwt: true }),
  route('GET /app/installations/:installationId', getInstallation, { jwt: true }),
  route('POST /app/installations/:installationId/access_tokens', createAccessToken, { jwt: true }),
  route('GET /repos/:owner/:repo/installation', getRepoInstallation, { jwt: true }),
  route('GET /orgs/:org/installation', getAccountInstallation('Organization'), { jwt: true }),
  route('GET /users/:username/installation', getAccountInstallation('User'), { jwt: true }),
  route('GET /repos/:owner/:repo', getRepo),
  route('GET /orgs/:org/repos', listOrgRepos),
  route(`GET ${REPO}/runs`, listRuns),
  route(`GET ${REPO}/runs/:runId`, getRun),
  route('GET /repos/:owner/:repo/environments', listEnvironments),
  route(`GET ${ENV}`, getEnvironment),
  route(`PUT ${ENV}`, putEnvironment),
  route(`DELETE ${ENV}`, deleteEnvironment),
  ...[REPO, ENV, ORG].flatMap((base) => [
    route(`GET ${base}/secrets/public-key`, getPublicKey),
    route(`GET ${base}/secrets`, listSecrets),
    route(`GET ${base}/secrets/:name`, getSecret),
    route(`PUT ${base}/secrets/:name`, putSecret),
    route(`DELETE ${base}/secrets/:name`, deleteSecret),
    route(`GET ${base}/variables`, listVariables),
    route(`POST ${base}/variables`, createVariable),
    route(`GET ${base}/variables/:name`, getVariable),
    route(`PATCH ${base}/variables/:name`, updateVariable),
    route(`DELETE ${base}/variables/:name`, deleteVariable),
  ]),
  route(`GET ${ORG}/secrets/:name/repositories`, listSelectedRepos),
  route(`PUT ${ORG}/secrets/:name/repositories`, setSelectedRepos),
  route(`PUT ${ORG}/secrets/:name/repositories/:repositoryId`, addSelectedRepo),
  route(`DELETE ${ORG}/secrets/:name/repositories/:repositoryId`, removeSelectedRepo),
];
