import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DbqError } from '../../shared/protocol/index.js';
import { parseAuditLine, type AuditRecord } from './records.js';

/** Reads the local function's audit file (`$DBQ_CONFIG_DIR/local/audit.jsonl`) line by line. */
export async function readLocalAudit(file: string, since: number): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw new DbqError('INTERNAL', `cannot read the audit file ${file}: ${(error as Error).message}`);
  }
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    const record = parseAuditLine(line);
    if (record && Date.parse(record.time) >= since) records.push(record);
  }
  return records;
}
