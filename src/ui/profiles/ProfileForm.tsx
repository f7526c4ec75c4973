import { Box, Text, useInput, type Key } from 'ink';
import { useRef, useState, type ReactElement } from 'react';

export type AuthKind = 'sso' | 'aws-profile' | 'local';

/** The form's values: text per field, plus the sign-in kind. */
export type ProfileFormValues = Record<FieldKey, string> & { authKind: AuthKind };

type FieldKey =
  | 'name'
  | 'region'
  | 'function'
  | 'target'
  | 'environment'
  | 'ssoSession'
  | 'ssoStartUrl'
  | 'ssoRegion'
  | 'accountId'
  | 'roleName'
  | 'awsProfile'
  | 'endpoint'
  | 'pageSize'
  | 'timeout'
  | 'format'
  | 'exportDir';

interface FieldSpec {
  key: FieldKey | 'authKind';
  label: string;
  hint?: string;
}

const AUTH_KINDS: readonly AuthKind[] = ['sso', 'aws-profile', 'local'];

const AUTH_FIELDS: Record<AuthKind, FieldSpec[]> = {
  sso: [
    { key: 'ssoSession', label: 'SSO session', hint: 'a name; or leave empty and give the start URL' },
    { key: 'ssoStartUrl', label: 'SSO start URL', hint: 'https://…awsapps.com/start' },
    { key: 'ssoRegion', label: 'SSO region' },
    { key: 'accountId', label: 'Account id', hint: '12 digits' },
    { key: 'roleName', label: 'Role name', hint: 'the permission set' },
  ],
  'aws-profile': [{ key: 'awsProfile', label: 'AWS profile', hint: 'from ~/.aws/config' }],
  local: [{ key: 'endpoint', label: 'Endpoint', hint: 'e.g. http://127.0.0.1:9001 from dbq local' }],
};

function fieldsFor(authKind: AuthKind, nameEditable: boolean): FieldSpec[] {
  return [
    ...(nameEditable ? [{ key: 'name', label: 'Name' } as FieldSpec] : []),
    { key: 'region', label: 'Region', hint: 'the query function’s AWS region' },
    { key: 'function', label: 'Function', hint: 'name, ARN or alias ARN' },
    { key: 'target', label: 'Target', hint: 'database target (optional)' },
    { key: 'environment', label: 'Environment', hint: 'production asks before writes' },
    { key: 'authKind', label: 'Sign in with', hint: '←/→ to choose' },
    ...AUTH_FIELDS[authKind],
    { key: 'pageSize', label: 'Page size', hint: 'optional' },
    { key: 'timeout', label: 'Timeout (s)', hint: 'optional' },
    { key: 'format', label: 'Output format', hint: 'table, csv, json, ndjson' },
    { key: 'exportDir', label: 'Export directory', hint: 'optional' },
  ];
}

type FormAction =
  | { kind: 'text'; text: string }
  | { kind: 'backspace' | 'enter' | 'submit' | 'cancel' }
  | { kind: 'move' | 'cycle'; delta: number };

/**
 * What a keypress (or a chunk of typed or pasted text) asks for. Ink hands over text that arrives in one
 * read as one string, Enter and Backspace included, so a fast typist's "dev⏎eu-west-1⏎" is split here.
 */
export function keyActions(input: string, key: Key): FormAction[] {
  if (key.escape) return [{ kind: 'cancel' }];
  if (key.ctrl && input === 's') return [{ kind: 'submit' }];
  if (key.upArrow || (key.tab && key.shift)) return [{ kind: 'move', delta: -1 }];
  if (key.downArrow || key.tab) return [{ kind: 'move', delta: 1 }];
  if (key.leftArrow || key.rightArrow) return [{ kind: 'cycle', delta: key.rightArrow ? 1 : -1 }];
  if (key.return) return [{ kind: 'enter' }];
  if (key.backspace || key.delete) return [{ kind: 'backspace' }];
  if (key.ctrl || key.meta || !input) return [];
  const actions: FormAction[] = [];
  let text = '';
  const flush = (): void => {
    if (text) actions.push({ kind: 'text', text });
    text = '';
  };
  for (const char of input) {
    const control: FormAction | null | undefined =
      char === '\r' || char === '\n'
        ? { kind: 'enter' }
        : char === '\u007f' || char === '\b'
          ? { kind: 'backspace' }
          : char === '\t'
            ? { kind: 'move', delta: 1 }
            : char === '\u0013'
              ? { kind: 'submit' }
              : /\p{Cc}/u.test(char)
                ? null
                : undefined;
    if (control === undefined) {
      text += char;
      continue;
    }
    flush();
    // Other control characters never reach a field.
    if (control) actions.push(control);
  }
  flush();
  return actions;
}

interface FormState {
  values: ProfileFormValues;
  focus: number;
  error: string | null;
}

export interface ProfileFormProps {
  title: string;
  initial: ProfileFormValues;
  /** False when editing: the name is fixed. */
  nameEditable: boolean;
  /** Returns what is wrong with the values, or null when they can be saved. */
  validate: (values: ProfileFormValues) => string | null;
  onSubmit: (values: ProfileFormValues) => void;
  onCancel: () => void;
}

/**
 * A small form to add or edit a connection profile: ↑/↓ (or Tab) move between fields, ←/→ choose how to
 * sign in, Enter goes to the next field and saves on the last, Ctrl+S saves, Esc cancels. It only edits
 * text; the caller validates and saves.
 */
export function ProfileForm({
  title,
  initial,
  nameEditable,
  validate,
  onSubmit,
  onCancel,
}: ProfileFormProps) {
  const [state, setState] = useState<FormState>({ values: initial, focus: 0, error: null });
  // Keys can arrive faster than renders (a paste, a quick typist): each one works on the latest state.
  const latest = useRef(state);
  const update = (next: FormState): void => {
    latest.current = next;
    setState(next);
  };
  const { values, focus, error } = state;
  const fields = fieldsFor(values.authKind, nameEditable);

  const submit = (): void => {
    const problem = validate(latest.current.values);
    if (problem === null) onSubmit(latest.current.values);
    else update({ ...latest.current, error: problem });
  };

  const apply = (action: FormAction): void => {
    const now = latest.current;
    const list = fieldsFor(now.values.authKind, nameEditable);
    const at = Math.min(now.focus, list.length - 1);
    const current = list[at];
    const move = (delta: number): void => update({ ...now, focus: (at + delta + list.length) % list.length });
    switch (action.kind) {
      case 'cancel':
        return onCancel();
      case 'submit':
        return submit();
      case 'move':
        return move(action.delta);
      case 'enter':
        return at >= list.length - 1 ? submit() : move(1);
      case 'cycle': {
        if (current?.key !== 'authKind') return;
        const index = AUTH_KINDS.indexOf(now.values.authKind) + action.delta + AUTH_KINDS.length;
        const authKind = AUTH_KINDS[index % AUTH_KINDS.length] ?? 'sso';
        return update({ ...now, values: { ...now.values, authKind }, error: null });
      }
      case 'backspace':
      case 'text': {
        if (!current || current.key === 'authKind') return;
        const old = now.values[current.key];
        const value = action.kind === 'text' ? old + action.text : old.slice(0, -1);
        return update({ ...now, values: { ...now.values, [current.key]: value }, error: null });
      }
    }
  };

  useInput((input, key) => {
    for (const action of keyActions(input, key)) apply(action);
  });

  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      {fields.map((field, index) => {
        const focused = index === focus;
        const value = field.key === 'authKind' ? `‹ ${values.authKind} ›` : values[field.key];
        return (
          <Box key={field.key}>
            <Text color={focused ? 'cyan' : undefined}>{focused ? '› ' : '  '}</Text>
            <Box width={18}>
              <Text color={focused ? 'cyan' : undefined}>{field.label}</Text>
            </Box>
            <Text>
              {value}
              {focused && field.key !== 'authKind' ? <Text inverse> </Text> : null}
            </Text>
            {focused && field.hint && value === '' ? <Text dimColor> {field.hint}</Text> : null}
          </Box>
        );
      })}
      {error !== null ? <Text color="red">{error}</Text> : null}
      <Text dimColor>↑/↓ move · ←/→ choose · Enter next · Ctrl+S save · Esc cancel</Text>
    </Box>
  );
}

/** The form as an element, for callers that render it without JSX of their own. */
export function profileFormElement(props: ProfileFormProps): ReactElement {
  return <ProfileForm {...props} />;
}
