/** Shows enough of an access key id to recognise it, never the whole: AKIA…WXYZ. */
export function maskKeyId(id: string): string {
  return id.length <= 8 ? '…' : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const days = Math.floor((now - Date.parse(iso)) / 86_400_000);
  if (days >= 1) return `${days} d`;
  const hours = Math.floor((now - Date.parse(iso)) / 3_600_000);
  return hours >= 1 ? `${hours} h` : 'under 1 h';
}

export interface Colors {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function colors(enabled: boolean): Colors {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

const KEY_ID = /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,124}\b/g;

/** Masks every access key id in a text (messages, titles, JSON strings): AKIA…WXYZ. */
export function maskKeyIdsIn(text: string): string {
  return text.replace(KEY_ID, (id) => maskKeyId(id));
}

/** Cuts a line to fit the terminal, counting only visible characters. */
export function fit(line: string, columns: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\u001b') {
      const end = line.indexOf('m', i);
      if (end !== -1) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= columns - 1) {
      out += '…';
      break;
    }
    out += ch;
    visible++;
  }
  return line.includes('\u001b') ? `${out}\u001b[0m` : out;
}

/** Pads a column of a plain-text table. */
export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}
