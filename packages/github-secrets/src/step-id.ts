import { canonicalSecretName } from './names.js';
import { type ScopeRef, type SecretScope, scopeKey } from './scope.js';

/**
 * The id of a step about secret (or variable) `name` in `scope`, made of what it touches and kept
 * within the engine's id alphabet: `github-secret:repo:o/r:NAME` for kind `secret`. The secret and
 * variable steps name themselves this way; a workflow that adds its own steps about the same secret
 * (deleting it, say) uses it too, so journals line up across workflows.
 */
export function githubStepId(kind: string, scope: SecretScope | ScopeRef, name: string): string {
  return `github-${kind}:${scopeKey(scope)}:${canonicalSecretName(name)}`.replace(/[^a-z0-9:._/-]/gi, '_').slice(0, 128);
}
