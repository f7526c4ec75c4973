import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { authError } from './authError.js';

/** What STS says about the caller; `arn` is the only thing identity is taken from. */
export interface CallerIdentity {
  arn: string;
  userId: string;
  account: string;
}

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Element nodes as fast-xml-parser's `preserveOrder` mode gives them: `{tag: children, ':@'?: attrs}`. */
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are never expanded and values stay text: nothing in an identity answer needs either.
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

function parseStrict(body: string, what: string): OrderedNode[] {
  // No DTDs: an identity answer never has one, and entity tricks start there.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw authError(`${what} holds a document type declaration`);
  if (XMLValidator.validate(body) !== true) throw authError(`${what} is not well-formed XML`);
  return parser.parse(body) as OrderedNode[];
}

function tagOf(node: OrderedNode): string {
  const keys = Object.keys(node).filter((key) => key !== ':@');
  if (keys.length !== 1) return '';
  return keys[0] ?? '';
}

function children(node: OrderedNode, tag: string): OrderedNode[] {
  const value = node[tag];
  return Array.isArray(value) ? (value as OrderedNode[]) : [];
}

function attributes(node: OrderedNode): Record<string, unknown> {
  const value = node[':@'];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The one element child named `tag` and no other elements or text around it; null otherwise. */
function only(nodes: OrderedNode[], allowed: readonly string[]): Map<string, OrderedNode> | null {
  const found = new Map<string, OrderedNode>();
  for (const node of nodes) {
    const tag = tagOf(node);
    if (!allowed.includes(tag) || found.has(tag)) return null;
    found.set(tag, node);
  }
  return found;
}

function textOf(node: OrderedNode | undefined): string | null {
  if (!node) return null;
  const inner = children(node, tagOf(node));
  if (inner.length !== 1 || Object.keys(attributes(node)).length > 0) return null;
  const text = inner[0]?.['#text'];
  return typeof text === 'string' && Object.keys(inner[0] ?? {}).length === 1 ? text : null;
}

const ARN = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):([\x21-\x7e]{1,1600})$/;

/**
 * Reads a `GetCallerIdentityResponse` strictly: one root of that name in STS's namespace, holding exactly
 * one `GetCallerIdentityResult` (and optionally `ResponseMetadata`), which holds exactly one `Arn`,
 * `UserId` and `Account` as plain text, and nothing else anywhere. A response reflected from another API
 * (Vault CVE-2020-16250) or with a second result fails here.
 */
export function parseCallerIdentity(body: string): CallerIdentity {
  const what = "STS's answer";
  const roots = parseStrict(body, what);
  const rootMap = only(roots, ['GetCallerIdentityResponse']);
  const root = rootMap?.get('GetCallerIdentityResponse');
  if (!root) throw authError(`${what} is not a GetCallerIdentityResponse`);
  const rootAttributes = attributes(root);
  if (Object.keys(rootAttributes).join() !== 'xmlns' || rootAttributes.xmlns !== STS_NAMESPACE) {
    throw authError(`${what} is not in the STS 2011-06-15 namespace`);
  }
  const sections = only(children(root, 'GetCallerIdentityResponse'), [
    'GetCallerIdentityResult',
    'ResponseMetadata',
  ]);
  const result = sections?.get('GetCallerIdentityResult');
  if (!sections || !result) {
    throw authError(`${what} must hold exactly one GetCallerIdentityResult and nothing else`);
  }
  const fields = only(children(result, 'GetCallerIdentityResult'), ['Arn', 'UserId', 'Account']);
  const arn = textOf(fields?.get('Arn'));
  const userId = textOf(fields?.get('UserId'));
  const account = textOf(fields?.get('Account'));
  if (!fields || fields.size !== 3 || arn === null || userId === null || account === null) {
    throw authError(`${what} must give exactly one Arn, UserId and Account`);
  }
  const parsed = ARN.exec(arn);
  if (!parsed || parsed[3] !== account || !/^[\x21-\x7e]{1,256}$/.test(userId)) {
    throw authError(`${what} holds a malformed principal`);
  }
  return { arn, userId, account };
}

/**
 * The error code of an STS error answer (`ErrorResponse/Error/Code`), or null when the body is not one.
 * Only the code is kept: STS messages can quote the canonical request, which holds the session token.
 */
export function parseStsErrorCode(body: string): string | null {
  try {
    const roots = parseStrict(body, 'the error');
    const response = roots.find((node) => tagOf(node) === 'ErrorResponse');
    const error = response && children(response, 'ErrorResponse').find((node) => tagOf(node) === 'Error');
    const code = error && children(error, 'Error').find((node) => tagOf(node) === 'Code');
    const text = textOf(code);
    return text !== null && /^[A-Za-z.]{1,64}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}
