import type { CredsEvent } from '@creds/creds';
import type { CliContext, Output } from '../context.js';
import { fit, formatDuration } from './format.js';

/** Renders the library's events while a run or rollback works. */
export interface Progress {
  onEvent(event: CredsEvent): void;
  /** Stops the live frame (leaving its last state on screen). */
  stop(): void;
}

/** A live list on a terminal, plain lines on a pipe, NDJSON with --json. */
export function createProgress(ctx: CliContext, label: string, targets: readonly string[]): Progress {
  const { out } = ctx;
  if (out.mode === 'json') return { onEvent: (event) => out.event(event as unknown as Record<string, unknown>), stop() {} };
  const quiet = !['info', 'debug', 'trace'].includes(ctx.globals.logLevel);
  if (quiet) return { onEvent() {}, stop() {} };
  return out.mode === 'tty' ? new LiveProgress(out, label, targets) : new PlainProgress(out);
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

type StepState = 'running' | 'done' | 'skipped' | 'failed' | 'undoing' | 'undone' | 'undo-failed' | 'undo-skipped';

interface StepView {
  title: string;
  state: StepState;
  startedAt: number;
  durationMs?: number;
  note?: string;
}

interface TargetView {
  name: string;
  state: 'waiting' | 'running' | 'finished';
  status?: string;
  startedAt?: number;
  durationMs?: number;
  steps: Map<string, StepView>;
}

/** One line per event, for logs and pipes. */
class PlainProgress implements Progress {
  readonly #out: Output;
  constructor(out: Output) {
    this.#out = out;
  }
  onEvent(event: CredsEvent): void {
    const line = describeEvent(event);
    if (line === undefined) return;
    const target = 'target' in event ? event.target : undefined;
    this.#out.info(target ? `[${target}] ${line}` : line);
  }
  stop(): void {}
}

/** A plain-text line for an event, or undefined for events not worth a line off a terminal. */
export function describeEvent(event: CredsEvent): string | undefined {
  switch (event.type) {
    case 'target-started':
      return `${event.workflow} started`;
    case 'target-finished':
      return `${event.workflow} ${event.status} (${formatDuration(event.durationMs)})`;
    case 'run-started':
      return `${event.mode === 'resume' ? 'resuming' : 'running'} ${event.workflow}: ${event.steps} steps (run ${event.runId})`;
    case 'rollback-started':
      return `${event.resumed ? 'resuming rollback' : 'rolling back'} ${event.workflow}: ${event.steps} steps (run ${event.runId})`;
    case 'step-started':
      return `… ${event.title}`;
    case 'step-progress':
      return `  ${event.stepId}: ${event.message}`;
    case 'step-retry':
      return `  retry ${event.attempt} of ${event.stepId} in ${formatDuration(event.delayMs)} (${event.code})`;
    case 'step-skipped':
      return `= ${event.title} (${event.reason})`;
    case 'step-succeeded':
      return `✓ ${event.title} (${formatDuration(event.durationMs)})`;
    case 'step-failed':
      return `✗ ${event.title}: ${event.code}: ${event.message}`;
    case 'undo-started':
      return `… undo ${event.title}`;
    case 'undo-succeeded':
      return `↺ undid ${event.title} (${formatDuration(event.durationMs)})`;
    case 'undo-skipped':
      return `= undo ${event.title} (${event.reason})`;
    case 'undo-failed':
      return `✗ undo ${event.title}: ${event.code}: ${event.message}`;
    case 'run-finished':
    case 'rollback-finished':
      return undefined;
    case 'warning':
      return `warning: ${event.message}`;
    default:
      return undefined;
  }
}

/** The live step list: redrawn in place on stderr, ~12 times a second. */
class LiveProgress implements Progress {
  readonly #out: Output;
  readonly #label: string;
  readonly #targets = new Map<string, TargetView>();
  readonly #timer: NodeJS.Timeout;
  readonly #started = Date.now();
  #lines = 0;
  #frame = 0;
  #warnings: string[] = [];

  constructor(out: Output, label: string, targets: readonly string[]) {
    this.#out = out;
    this.#label = label;
    for (const name of targets) this.#targets.set(name, { name, state: 'waiting', steps: new Map() });
    this.#out.stderr('\u001b[?25l');
    this.#timer = setInterval(() => this.#draw(), 80);
    this.#timer.unref();
  }

  onEvent(event: CredsEvent): void {
    if (event.type === 'warning') {
      this.#warnings.push(event.message);
      this.#draw();
      return;
    }
    const view = this.#target(event.target);
    const now = Date.now();
    switch (event.type) {
      case 'target-started':
        view.state = 'running';
        view.startedAt = now;
        break;
      case 'target-finished':
        view.state = 'finished';
        view.status = event.status;
        view.durationMs = event.durationMs;
        break;
      case 'run-started':
      case 'rollback-started':
        view.state = 'running';
        view.startedAt ??= now;
        break;
      case 'step-started':
        view.steps.set(event.stepId, { title: event.title, state: 'running', startedAt: now });
        break;
      case 'undo-started':
        view.steps.set(event.stepId, { title: `undo ${event.title}`, state: 'undoing', startedAt: now });
        break;
      case 'step-progress':
        this.#step(view, event.stepId).note = event.message;
        break;
      case 'step-retry': {
        const step = this.#step(view, event.stepId);
        step.note = `retry ${event.attempt} in ${formatDuration(event.delayMs)} (${event.code})`;
        break;
      }
      case 'step-succeeded':
      case 'undo-succeeded': {
        const step = this.#step(view, event.stepId, event.title);
        step.state = event.type === 'step-succeeded' ? 'done' : 'undone';
        step.durationMs = event.durationMs;
        delete step.note;
        break;
      }
      case 'step-skipped':
      case 'undo-skipped': {
        const step = this.#step(view, event.stepId, event.title);
        step.state = event.type === 'step-skipped' ? 'skipped' : 'undo-skipped';
        step.note = event.reason;
        break;
      }
      case 'step-failed':
      case 'undo-failed': {
        const step = this.#step(view, event.stepId, event.title);
        step.state = event.type === 'step-failed' ? 'failed' : 'undo-failed';
        step.note = `${event.code}: ${event.message}`;
        break;
      }
      default:
        break;
    }
    this.#draw();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#draw(true);
    this.#out.stderr('\u001b[?25h');
  }

  #target(name: string): TargetView {
    let view = this.#targets.get(name);
    if (!view) {
      view = { name, state: 'waiting', steps: new Map() };
      this.#targets.set(name, view);
    }
    return view;
  }

  #step(view: TargetView, stepId: string, title?: string): StepView {
    let step = view.steps.get(stepId);
    if (!step) {
      step = { title: title ?? stepId, state: 'running', startedAt: Date.now() };
      view.steps.set(stepId, step);
    }
    return step;
  }

  #draw(final = false): void {
    const { c } = this.#out;
    const now = Date.now();
    this.#frame++;
    const spin = SPINNER[this.#frame % SPINNER.length]!;
    const views = [...this.#targets.values()];
    const fleet = views.length > 1;
    const done = views.filter((v) => v.state === 'finished').length;
    const lines: string[] = [];
    const header = `${c.bold(this.#label)} ${c.dim(formatDuration(now - this.#started))}`;
    lines.push(fleet ? `${header} ${c.dim(`· ${done}/${views.length} targets done`)}` : header);
    for (const view of views) {
      if (fleet) lines.push(this.#targetLine(view, spin, now));
      // In a fleet, finished targets fold to one line unless something failed in them.
      const expand = !fleet || view.state === 'running' || (view.state === 'finished' && view.status !== 'succeeded');
      if (!expand) continue;
      for (const step of view.steps.values()) lines.push(`${fleet ? '    ' : '  '}${this.#stepLine(step, spin, now)}`);
    }
    for (const w of this.#warnings) lines.push(c.yellow(`  warning: ${w}`));
    const width = this.#out.columns;
    const text = lines.map((l) => `${fit(l, width)}\u001b[K`).join('\n');
    const up = this.#lines > 0 ? `\u001b[${this.#lines}F` : '';
    this.#out.stderr(`${up}${text}\u001b[J\n`);
    this.#lines = lines.length;
    if (final) this.#lines = 0;
  }

  #targetLine(view: TargetView, spin: string, now: number): string {
    const { c } = this.#out;
    if (view.state === 'waiting') return `  ${c.dim('·')} ${view.name} ${c.dim('waiting')}`;
    if (view.state === 'running') return `  ${c.yellow(spin)} ${view.name} ${c.dim(formatDuration(now - (view.startedAt ?? now)))}`;
    const ok = view.status === 'succeeded';
    const mark = ok ? c.green('✓') : view.status === 'skipped' ? c.dim('-') : c.red('✗');
    return `  ${mark} ${view.name} ${c.dim(`${view.status} ${formatDuration(view.durationMs ?? 0)}`)}`;
  }

  #stepLine(step: StepView, spin: string, now: number): string {
    const { c } = this.#out;
    const note = step.note ? c.dim(`  ${step.note}`) : '';
    switch (step.state) {
      case 'running':
      case 'undoing':
        return `${c.yellow(spin)} ${step.title} ${c.dim(formatDuration(Math.round((now - step.startedAt) / 100) * 100))}${note}`;
      case 'done':
      case 'undone':
        return `${c.green('✓')} ${step.title} ${c.dim(formatDuration(step.durationMs ?? 0))}`;
      case 'skipped':
      case 'undo-skipped':
        return `${c.dim('=')} ${c.dim(step.title)}${note}`;
      case 'failed':
      case 'undo-failed':
        return `${c.red('✗')} ${step.title}${c.red(step.note ? `  ${step.note}` : '')}`;
    }
  }
}
