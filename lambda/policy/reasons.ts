import type { Finding, Needs, StatementKind } from './classification.js';

/** Why transaction control is refused to every role. */
export const TRANSACTION_CONTROL_WHY =
  'each request is its own transaction, begun and ended by the handler (READ ONLY for reads); a statement ' +
  'that ends it, opens another or changes its mode would run the rest outside that control. On ' +
  'MariaDB/MySQL any DDL also commits implicitly, so the transaction alone never holds';

/** Why changing the session's identity is refused to every role. */
export const ROLE_SWITCH_WHY =
  'each role connects as its own database user, and a statement may not change the identity it runs as';

/** Why a function outside the allow-list is refused to the read and write roles. */
export const FUNCTION_WHY =
  'only built-in functions known to have no side effects may be called (no locks, waits, files, other ' +
  'sessions, other servers, SQL text or settings); unknown and user-defined functions are refused too';

/** The least role for a statement of this kind; read kinds need nothing. */
export function needsForKind(kind: StatementKind): Needs | 'read' {
  switch (kind) {
    case 'read':
      return 'read';
    case 'write':
      return 'write';
    case 'transaction':
      return null;
    default:
      return 'admin';
  }
}

export function transactionFinding(subject: string, position?: number): Finding {
  return {
    rule: 'transaction-control',
    subject,
    needs: null,
    why: TRANSACTION_CONTROL_WHY,
    ...(position === undefined ? {} : { position }),
  };
}

export function roleSwitchFinding(subject: string, position?: number): Finding {
  return {
    rule: 'role-switch',
    subject,
    needs: null,
    why: ROLE_SWITCH_WHY,
    ...(position === undefined ? {} : { position }),
  };
}
