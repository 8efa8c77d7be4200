import { ValidationError } from './errors.js';
import type { Step } from './step.js';

const STEP_ID = /^[a-z0-9][a-z0-9:._/-]{0,127}$/i;

/** A named DAG of steps, checked when built: unique ids, known dependencies, no cycles. */
export interface Workflow<Env = unknown> {
  readonly name: string;
  readonly steps: ReadonlyMap<string, Step<Env>>;
  /** Step ids in a dependency-respecting order (stable: ties keep definition order). */
  readonly order: readonly string[];
  /** For each step, the steps that depend on it. */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
}

export function createWorkflow<Env>(
  name: string,
  // biome-ignore lint/suspicious/noExplicitAny: steps of one workflow have different output types
  steps: readonly Step<Env, any>[],
): Workflow<Env> {
  if (!/^[a-z0-9][a-z0-9-]*$/i.test(name)) {
    throw new ValidationError('workflow.name', `"${name}" must be letters, digits and dashes`);
  }
  const byId = new Map<string, Step<Env>>();
  for (const step of steps) {
    if (!STEP_ID.test(step.id)) {
      throw new ValidationError(
        `workflow ${name}: step id`,
        `"${step.id}" must be 1-128 characters of letters, digits and : . _ / -`,
      );
    }
    if (byId.has(step.id)) {
      throw new ValidationError(`workflow ${name}: step id`, `"${step.id}" is used twice`);
    }
    byId.set(step.id, step as Step<Env>);
  }
  const dependents = new Map<string, string[]>([...byId.keys()].map((id) => [id, []]));
  for (const step of byId.values()) {
    for (const dep of step.dependsOn ?? []) {
      if (!byId.has(dep)) {
        throw new ValidationError(`workflow ${name}: step ${step.id}`, `depends on unknown step "${dep}"`);
      }
      dependents.get(dep)!.push(step.id);
    }
  }
  return { name, steps: byId, order: topologicalOrder(name, byId), dependents };
}

function topologicalOrder<Env>(name: string, steps: Map<string, Step<Env>>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(id)), id].join(' → ');
      throw new ValidationError(`workflow ${name}`, `steps form a cycle: ${cycle}`);
    }
    state.set(id, 'visiting');
    for (const dep of steps.get(id)!.dependsOn ?? []) visit(dep, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of steps.keys()) visit(id, []);
  return order;
}
