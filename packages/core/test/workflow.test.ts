import { describe, expect, it } from 'vitest';
import { createWorkflow, type Step, ValidationError } from '../src/index.js';

const step = (id: string, dependsOn: string[] = []): Step => ({ id, title: id, dependsOn, apply: async () => null });

describe('createWorkflow', () => {
  it('orders steps so dependencies come first, keeping definition order for ties', () => {
    const wf = createWorkflow('w', [step('d', ['b', 'c']), step('a'), step('b', ['a']), step('c', ['a'])]);
    expect(wf.order).toEqual(['a', 'b', 'c', 'd']);
    expect(wf.dependents.get('a')).toEqual(['b', 'c']);
  });

  it.each([
    ['a duplicate id', [step('a'), step('a')], /"a" is used twice/],
    ['an unknown dependency', [step('a', ['zz'])], /depends on unknown step "zz"/],
    ['a cycle', [step('a', ['c']), step('b', ['a']), step('c', ['b'])], /cycle: a → c → b → a/],
    ['a self-dependency', [step('a', ['a'])], /cycle: a → a/],
    ['an id with spaces', [step('bad id')], /must be 1-128 characters/],
  ])('rejects %s when built', (_name, steps, message) => {
    expect(() => createWorkflow('w', steps)).toThrow(ValidationError);
    expect(() => createWorkflow('w', steps)).toThrow(message);
  });
});
