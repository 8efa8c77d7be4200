import { type ActionContext, param } from './context.js';
import { IamFault } from './fault.js';
import type { XmlNode, XmlValue } from './xml.js';

// IAM's List actions answer one page at a time: `MaxItems` (1-1000, 100 when not given) items at
// the most, `IsTruncated` true while more follow, and then a `Marker` the next request passes back
// to continue. IAM may also answer fewer items than MaxItems while more are available (its API
// reference says so for every List action); `listPageLimit` makes this server do that.

/** How many items a page holds when the request gives no MaxItems. */
export const DEFAULT_MAX_ITEMS = 100;
const MAX_ITEMS_RANGE = { min: 1, max: 1000 } as const;
const MARKER_PREFIX = 'sandbox-page:';

function maxItems(ctx: ActionContext): number {
  const raw = param(ctx, 'MaxItems');
  if (raw === undefined) return DEFAULT_MAX_ITEMS;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new IamFault('ValidationError', `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must be an integer`);
  }
  if (value < MAX_ITEMS_RANGE.min || value > MAX_ITEMS_RANGE.max) {
    const bound = value < MAX_ITEMS_RANGE.min ? `greater than or equal to ${MAX_ITEMS_RANGE.min}` : `less than or equal to ${MAX_ITEMS_RANGE.max}`;
    throw new IamFault('ValidationError', `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must have value ${bound}`);
  }
  return value;
}

/** Where the page a Marker asks for starts. A marker this server did not hand out is refused. (check: IAM's exact answer.) */
function markerOffset(ctx: ActionContext): number {
  const marker = param(ctx, 'Marker');
  if (marker === undefined) return 0;
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  const offset = text.startsWith(MARKER_PREFIX) ? Number(text.slice(MARKER_PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset < 1) throw new IamFault('ValidationError', `Invalid Marker: ${marker}`);
  return offset;
}

/** One page of `items` under `element`, with IsTruncated and, when truncated, the Marker of the next page. */
export function paged(ctx: ActionContext, element: string, items: readonly XmlValue[]): XmlNode {
  const start = markerOffset(ctx);
  const size = Math.min(maxItems(ctx), ctx.pageLimit ?? Number.POSITIVE_INFINITY);
  const page = items.slice(start, start + size);
  const next = start + page.length;
  const truncated = next < items.length;
  return {
    [element]: page,
    IsTruncated: truncated,
    ...(truncated ? { Marker: Buffer.from(`${MARKER_PREFIX}${next}`, 'utf8').toString('base64url') } : {}),
  };
}
