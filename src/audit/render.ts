import type { Cell, Column } from '../../shared/protocol/index.js';
import { createResultWriter, type OutputSink } from '../format/index.js';
import { writeText } from '../format/sink.js';
import { decisionOf, principalOf, type AuditedRequest } from './records.js';

const COLUMNS: Column[] = [
  { name: 'time', type: 'text', kind: 'text' },
  { name: 'principal', type: 'text', kind: 'text' },
  { name: 'role', type: 'text', kind: 'text' },
  { name: 'target', type: 'text', kind: 'text' },
  { name: 'op', type: 'text', kind: 'text' },
  { name: 'decision', type: 'text', kind: 'text' },
  { name: 'outcome', type: 'text', kind: 'text' },
  { name: 'ms', type: 'float8', kind: 'float' },
  { name: 'rows', type: 'int8', kind: 'int' },
  { name: 'statement', type: 'text', kind: 'text' },
  { name: 'reason', type: 'text', kind: 'text' },
];

function shorten(text: string | null | undefined, max: number): string | null {
  if (!text) return null;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Why a request was refused or failed, or why it has no verified principal. */
function reasonOf(request: AuditedRequest): string | null {
  const last = request.outcome ?? request.intent;
  if (!last) return null;
  if (last.decision === 'deny') return last.reason ?? last.errorMessage ?? null;
  if (last.errorCode) return `${last.errorCode}: ${last.errorMessage ?? ''}`;
  return principalOf(request) === null ? (last.identityError ?? null) : null;
}

function rowOf(request: AuditedRequest): Cell[] {
  const first = request.intent ?? request.events[0];
  const outcome = request.outcome;
  const rows = outcome?.rowCount ?? outcome?.affectedRows ?? null;
  return [
    first ? first.time.replace(/\.\d+Z$/, 'Z') : null,
    principalOf(request),
    first?.role ?? outcome?.role ?? null,
    first?.target ?? null,
    first?.op ?? null,
    decisionOf(request),
    outcome?.outcome ?? null,
    outcome?.durationMs ?? null,
    rows,
    shorten(first?.sql ?? outcome?.sql, 60),
    shorten(reasonOf(request), 80),
  ];
}

/** One line per request, oldest first, in dbq's table format (cells sanitised for the terminal). */
export async function writeAuditTable(requests: AuditedRequest[], out: OutputSink): Promise<void> {
  const writer = createResultWriter('table', out, { nullText: '' });
  await writer.begin(COLUMNS);
  if (requests.length > 0) await writer.writeRows(requests.map(rowOf));
  await writer.end({
    command: null,
    rowCount: requests.length,
    affectedRows: null,
    truncated: false,
    elapsedMs: 0,
  });
}

/** The selected requests' events as a JSON array, exactly as the function wrote them. */
export async function writeAuditJson(requests: AuditedRequest[], out: OutputSink): Promise<void> {
  const events = requests.flatMap((request) => request.events);
  await writeText(out, `${JSON.stringify(events, null, 2)}\n`);
}
