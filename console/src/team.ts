/** The Team page's pure pieces: role explanations and request bodies from form fields. */

export type Role = 'admin' | 'agent' | 'viewer';

/** What each role may do, one line each (the server's RANK: viewer < agent < admin). */
export const ROLES: Array<[Role, string, string]> = [
  ['admin', 'Admin', 'manages settings, people and API keys'],
  ['agent', 'Agent', 'works conversations: approves, edits, takes over and texts'],
  ['viewer', 'Viewer', 'only reads'],
];

export const roleLabel = (role: string) => ROLES.find(([r]) => r === role)?.[1] ?? role;

/** A person as GET /agents lists them (core's AgentRecord). */
export interface Person {
  id: string;
  name: string;
  email: string | null;
  role: Role;
  slackUserId: string | null;
  hubspotUserId: string | null;
  salesforceUserId: string | null;
}

/** A key as GET /api-keys lists it (core's ApiKeyInfo): the secret itself is never listed. */
export interface KeyInfo {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  agentId: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface PersonForm {
  name: string;
  email: string;
  role: Role;
  slackUserId: string;
  hubspotUserId: string;
  salesforceUserId: string;
}

const orNull = (s: string) => s.trim() || null;

/** A person's record as the form shows it: unset fields empty. */
export function personForm(p: Person): PersonForm {
  return { name: p.name, email: p.email ?? '', role: p.role, slackUserId: p.slackUserId ?? '', hubspotUserId: p.hubspotUserId ?? '', salesforceUserId: p.salesforceUserId ?? '' };
}

/** POST /agents and PATCH /agents/:id body: trimmed, an empty optional field sent as null (unset), never as "". */
export function personBody(f: PersonForm) {
  return {
    name: f.name.trim(),
    email: orNull(f.email),
    role: f.role,
    slackUserId: orNull(f.slackUserId),
    hubspotUserId: orNull(f.hubspotUserId),
    salesforceUserId: orNull(f.salesforceUserId),
  };
}

/** POST /api-keys body: no person chosen is null (a key of the tenant, not of a person). */
export function keyBody(f: { name: string; role: Role; agentId: string }) {
  return { name: f.name.trim(), role: f.role, agentId: f.agentId || null };
}

/** Whom a key belongs to, for the keys table. */
export function ownerName(agentId: string | null, people: Person[]): string {
  if (!agentId) return '—';
  return people.find((p) => p.id === agentId)?.name ?? 'A removed person';
}
