import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import {
  CrmRetryableError,
  type CrmAdapter,
  type CrmContext,
  type CrmLeadSnapshot,
  type CrmMessageSnapshot,
} from '../../../core/index';
import { toSalesforceId18 } from './salesforce-org-auth';
import type { SalesforceLogger } from './salesforce.routes';

/** Pinned so a Salesforce release never changes what Tandem sends or reads. */
export const SALESFORCE_API_VERSION = 'v62.0';
export const DEFAULT_SMS_OPT_OUT_FIELD = 'Tandem_SMS_Opt_Out__c';
/** The Lead external-id field Tandem upserts by (Text(64), External ID, Unique). */
export const TANDEM_LEAD_ID_FIELD = 'Tandem_Lead_Id__c';
/** The Task (Activity) external-id field Tandem upserts texts by, so a retried job never logs a text twice. */
export const TANDEM_MESSAGE_ID_FIELD = 'Tandem_Message_Id__c';

/**
 * How long one Salesforce request may take, reading its body included. The CRM sync claims a lead for
 * 5 minutes while it calls Salesforce (core/crm/crm-sync.job.ts) and a sync is at most about six requests
 * (token, upsert, read-back, Task, and a 401's retry), so a hung org fails the run well inside its claim.
 */
export const SALESFORCE_REQUEST_TIMEOUT_MS = 15_000;

const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

/**
 * The tenant's Salesforce integration config (`engine.integrations` kind `salesforce`).
 * `clientId` / `clientSecret` are the External Client App's consumer key and secret with the client
 * credentials flow enabled; the token fields are written back by the adapter.
 */
export const salesforceIntegrationConfigSchema = z.object({
  instanceUrl: z.url({ protocol: /^https$/, error: 'must be an https instanceUrl like https://acme.my.salesforce.com' }).optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  accessToken: z.string().min(1).optional(),
  /** Only for installs authorised by a user flow; client credentials has no refresh token. */
  refreshToken: z.string().min(1).optional(),
  tokenIssuedAt: z.string().optional(),
  smsOptOutField: z.string().regex(API_NAME, 'smsOptOutField must be a field API name like Tandem_SMS_Opt_Out__c').optional(),
  orgKeySha256: z.string().optional(),
});
export type SalesforceIntegrationConfig = z.infer<typeof salesforceIntegrationConfigSchema>;

export interface SalesforceCrmAdapterOptions {
  /** Overrides every org's instance URL (local fakes, tests, demos). */
  baseUrl?: string;
  /**
   * Where token requests go instead of the org's instance URL. Leave unset for the client credentials flow:
   * Salesforce accepts it only on the org's My Domain, which is the instance URL.
   */
  loginUrl?: string;
  apiVersion?: string;
  logger?: SalesforceLogger;
  fetch?: typeof fetch;
  /** Per-request timeout; defaults to {@link SALESFORCE_REQUEST_TIMEOUT_MS} (tests shorten it). */
  timeoutMs?: number;
  /** Back-off when the org's daily API limit is spent (REQUEST_LIMIT_EXCEEDED). */
  limitBackoffMs?: number;
  /** Back-off for 5xx and network failures without a Retry-After. */
  serverBackoffMs?: number;
}

/** A Salesforce refusal that retrying will not fix (bad field, validation rule, converted lead ...). */
export class SalesforceApiError extends Error {
  constructor(message: string, readonly status: number, readonly errorCode: string | null) {
    super(message);
    this.name = 'SalesforceApiError';
  }
}

/**
 * The org's OAuth token endpoint refused a token request (HTTP 4xx): `error` and `error_description` as
 * Salesforce answered them, e.g. `invalid_client_id` / `client identifier invalid`, `invalid_client` /
 * `invalid client credentials`, `invalid_grant` / `no client credentials user enabled`.
 */
export class SalesforceTokenError extends SalesforceApiError {
  constructor(message: string, status: number, readonly error: string, readonly description: string) {
    super(message, status, error);
    this.name = 'SalesforceTokenError';
  }
}

/** A token the org's OAuth endpoint issued. */
export interface SalesforceTokenGrant {
  accessToken: string;
  /** When Salesforce issued it (ISO), as the adapter stores it in `tokenIssuedAt`. */
  tokenIssuedAt: string;
  /** The https instance URL Salesforce named in the answer, if any. */
  instanceUrl: string | null;
  /** The org the token belongs to (18 characters), read from the identity URL `id` (`.../id/<orgId>/<userId>`). */
  orgId: string | null;
}

/** What a token request sends: the External Client App's consumer key and secret (and a refresh token, for user-authorised installs). */
interface SalesforceTokenCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken?: string;
}

interface SalesforceErrorItem {
  errorCode?: string;
  message?: string;
  fields?: string[];
}

interface RequestInitLite {
  method: 'GET' | 'POST' | 'PATCH';
  body?: unknown;
}

const RATING: Record<CrmLeadSnapshot['tag'], string> = { HOT: 'Hot', WARM: 'Warm', COLD: 'Cold' };

/**
 * Keeps Salesforce Leads current over the REST API: upserts the Lead by `Tandem_Lead_Id__c` (or updates the
 * linked Lead by its id) and logs each text as a completed Task. Authenticates with the OAuth 2.0 client
 * credentials flow of the org's External Client App; a 401 gets one fresh token and one retry. Limits and
 * 5xx become `CrmRetryableError`.
 */
export class SalesforceCrmAdapter implements CrmAdapter {
  readonly provider = 'salesforce' as const;
  private readonly apiVersion: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly limitBackoffMs: number;
  private readonly serverBackoffMs: number;

  constructor(private readonly options: SalesforceCrmAdapterOptions = {}) {
    this.apiVersion = options.apiVersion ?? SALESFORCE_API_VERSION;
    this.fetchImpl = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? SALESFORCE_REQUEST_TIMEOUT_MS;
    this.limitBackoffMs = options.limitBackoffMs ?? 15 * 60_000;
    this.serverBackoffMs = options.serverBackoffMs ?? 30_000;
  }

  /**
   * Creates or updates the Lead; returns its Salesforce id. A linked Lead (an earlier sync, or the Lead a rep
   * started the conversation from, which has no Tandem id yet) is updated by its own id and stamped with
   * the Tandem id; upserting by the Tandem id would create a second Lead for it.
   */
  async upsertLead(ctx: CrmContext, lead: CrmLeadSnapshot): Promise<{ externalId: string }> {
    const session = new SalesforceSession(this, ctx);
    if (lead.externalId) {
      const updated = await this.updateLinkedLead(session, ctx, lead as CrmLeadSnapshot & { externalId: string });
      if (updated) return updated;
    }
    const path = `/sobjects/Lead/${TANDEM_LEAD_ID_FIELD}/${encodeURIComponent(lead.id)}`;
    const res = await session.call(path, { method: 'PATCH', body: this.leadFields(ctx, lead) });
    const id = (res.body as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && id.length > 0) return { externalId: id };
    // Before API v46 an update answered 204 with no body: read the id back.
    const read = await session.call(`${path}?fields=Id`, { method: 'GET' });
    const readId = (read.body as { Id?: unknown } | null)?.Id;
    if (typeof readId !== 'string') throw new SalesforceApiError('Salesforce did not return the Lead id', read.status, null);
    return { externalId: readId };
  }

  /**
   * PATCH by Salesforce id (answers 204). A Lead deleted or merged away since (NOT_FOUND, ENTITY_IS_DELETED)
   * returns null: the caller upserts by the Tandem id, as a sync without a link does.
   */
  private async updateLinkedLead(session: SalesforceSession, ctx: CrmContext, lead: CrmLeadSnapshot & { externalId: string }): Promise<{ externalId: string } | null> {
    const body: Record<string, unknown> = { ...this.leadFields(ctx, lead), [TANDEM_LEAD_ID_FIELD]: lead.id };
    // LeadSource says where an existing Lead came from: set when Tandem creates one, never overwritten
    // (a Lead a rep started from would otherwise become "salesforce").
    delete body.LeadSource;
    try {
      await session.call(`/sobjects/Lead/${encodeURIComponent(lead.externalId)}`, { method: 'PATCH', body });
      return { externalId: lead.externalId };
    } catch (err) {
      if (err instanceof SalesforceApiError && (err.status === 404 || err.errorCode === 'ENTITY_IS_DELETED')) {
        this.settings.logger?.warn({ tenantId: ctx.tenantId, leadId: lead.id, errorCode: err.errorCode }, 'linked salesforce lead is gone; upserting by the tandem id');
        return null;
      }
      throw err;
    }
  }

  /**
   * Logs one text as a completed Task on the Lead. Upserts by `Tandem_Message_Id__c`, so a job that runs
   * again after a crash or a later failure updates the same Task instead of adding a second one.
   */
  async logMessage(ctx: CrmContext, lead: CrmLeadSnapshot & { externalId: string }, message: CrmMessageSnapshot): Promise<void> {
    const session = new SalesforceSession(this, ctx);
    await session.call(`/sobjects/Task/${TANDEM_MESSAGE_ID_FIELD}/${encodeURIComponent(message.id)}`, {
      method: 'PATCH',
      body: this.taskFields(lead, message),
    });
  }

  /**
   * The Task for one text. Only fields Salesforce lets an upsert both create and update (TaskSubtype is
   * create-only, and defaults to Task); the external id comes from the URL, not the body.
   */
  taskFields(lead: { externalId: string }, message: CrmMessageSnapshot): Record<string, unknown> {
    return {
      WhoId: lead.externalId,
      Subject: message.direction === 'in' ? 'SMS received' : 'SMS sent',
      // Task.Description holds 32k; an SMS never comes close.
      Description: message.body,
      Status: 'Completed',
      Priority: 'Normal',
      ActivityDate: message.createdAt.slice(0, 10),
    };
  }

  /**
   * The Lead fields Tandem owns. Unknown values are left out rather than blanked, so a rep's edits in
   * Salesforce survive; the required LastName/Company get placeholders only on the first sync.
   */
  leadFields(ctx: CrmContext, lead: CrmLeadSnapshot): Record<string, unknown> {
    const config = parseConfig(ctx.config);
    const optOutField = config.smsOptOutField ?? DEFAULT_SMS_OPT_OUT_FIELD;
    const firstSync = lead.externalId === null;
    const fields: Record<string, unknown> = {
      Rating: RATING[lead.tag],
      Tandem_Score__c: lead.score,
      Tandem_Tag__c: lead.tag,
      MobilePhone: lead.phone,
      [optOutField]: lead.optedOut,
    };
    if (lead.firstName) fields.FirstName = lead.firstName.slice(0, 40);
    if (lead.lastName) fields.LastName = lead.lastName.slice(0, 80);
    else if (firstSync) fields.LastName = maskPhone(lead.phone) ?? 'Unknown';
    if (lead.company) fields.Company = lead.company.slice(0, 255);
    else if (firstSync) fields.Company = '[not provided]';
    if (lead.email) fields.Email = lead.email;
    if (lead.source) fields.LeadSource = lead.source.slice(0, 40);
    return fields;
  }

  /**
   * One token request as the sync makes it (same host, grant, timeout and error handling), saving nothing:
   * the connect route checks an admin's credentials with it. Throws `CrmRetryableError` when the org cannot
   * be reached or answers 5xx/429, and `SalesforceTokenError` when it refuses the credentials.
   */
  async requestToken(org: { instanceUrl: string; clientId: string; clientSecret: string }): Promise<SalesforceTokenGrant> {
    return requestSalesforceToken(this.settings, this.oauthHost(org.instanceUrl), { clientId: org.clientId, clientSecret: org.clientSecret });
  }

  /**
   * `POST {host}/services/oauth2/revoke` with the form body `token=<token>`, at the host `requestToken` asks
   * (the org's My Domain unless SALESFORCE_LOGIN_URL or SALESFORCE_API_BASE_URL say otherwise), with the same
   * timeout and error handling. Salesforce answers 200 when it revoked the token; revoking an access token
   * ends that session only (a refresh token would take its access tokens with it). Throws
   * `CrmRetryableError` when the org cannot be reached, gives no answer in time or answers 5xx/429, and
   * `SalesforceApiError` for any other answer that is not 2xx, its `errorCode` being Salesforce's `error`
   * (documented for a 400: `invalid_token`, `unsupported_token_type`) or `HTTP <status>`. The token goes in
   * the form body only, never in a message.
   */
  async revokeToken(org: { instanceUrl: string }, token: string): Promise<void> {
    const res = await salesforceFetchJson(this.settings, `${this.oauthHost(org.instanceUrl)}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ token }).toString(),
    });
    if (res.status >= 200 && res.status < 300) return;
    if (res.status >= 500 || res.status === 429) {
      throw new CrmRetryableError(`Salesforce revoke endpoint answered ${res.status}`, retryAfterMs(res.headers.get('retry-after')) ?? this.serverBackoffMs);
    }
    const error = (res.body as { error?: unknown } | null)?.error;
    // Capped: whatever answers at the admin's URL is echoed into a log line.
    const code = typeof error === 'string' && error.length > 0 ? error.slice(0, 100) : `HTTP ${res.status}`;
    throw new SalesforceApiError(`Salesforce did not revoke the token (${res.status} ${code})`, res.status, code);
  }

  /** Where OAuth requests (token, revoke) go: SALESFORCE_LOGIN_URL, else the base URL override, else the org's My Domain. */
  private oauthHost(instanceUrl: string): string {
    return this.settings.loginUrl ?? this.settings.baseUrl ?? instanceUrl.replace(/\/+$/, '');
  }

  /** @internal */
  get settings() {
    return {
      apiVersion: this.apiVersion,
      baseUrl: this.options.baseUrl?.replace(/\/+$/, ''),
      loginUrl: this.options.loginUrl?.replace(/\/+$/, ''),
      fetch: this.fetchImpl,
      timeoutMs: this.timeoutMs,
      limitBackoffMs: this.limitBackoffMs,
      serverBackoffMs: this.serverBackoffMs,
      logger: this.options.logger,
    };
  }
}

/** One job's view of an org: its config (kept current across a token refresh) and its calls. */
class SalesforceSession {
  private config: Record<string, unknown>;

  constructor(private readonly adapter: SalesforceCrmAdapter, private readonly ctx: CrmContext) {
    this.config = { ...ctx.config };
  }

  async call(path: string, init: RequestInitLite): Promise<{ status: number; body: unknown }> {
    if (typeof this.config.accessToken !== 'string' || this.config.accessToken.length === 0) {
      await this.refreshToken();
    }
    let res = await this.send(path, init);
    if (res.status === 401) {
      // Sessions expire on the org's timeout: one fresh token, one retry.
      await this.refreshToken();
      res = await this.send(path, init);
      if (res.status === 401) {
        throw new SalesforceApiError('Salesforce refused the fresh access token (401). Check the External Client App policies and its run-as user.', 401, 'INVALID_SESSION_ID');
      }
    }
    return this.check(res, `${init.method} ${path.split('?')[0]}`);
  }

  private instanceUrl(): string {
    const { baseUrl } = this.adapter.settings;
    if (baseUrl) return baseUrl;
    const url = this.config.instanceUrl;
    if (typeof url !== 'string' || !/^https:\/\//.test(url)) {
      throw new SalesforceApiError('The Salesforce integration has no https instanceUrl (e.g. https://acme.my.salesforce.com).', 0, 'CONFIG');
    }
    return url.replace(/\/+$/, '');
  }

  private async send(path: string, init: RequestInitLite): Promise<{ status: number; body: unknown; headers: Headers }> {
    const { apiVersion } = this.adapter.settings;
    const url = `${this.instanceUrl()}/services/data/${apiVersion}${path}`;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${String(this.config.accessToken)}`,
      Accept: 'application/json',
    };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    return this.fetchJson(url, { method: init.method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  }

  private async fetchJson(url: string, init: RequestInit): Promise<{ status: number; body: unknown; headers: Headers }> {
    return salesforceFetchJson(this.adapter.settings, url, init);
  }

  private check(res: { status: number; body: unknown; headers: Headers }, what: string): { status: number; body: unknown } {
    const { limitBackoffMs, serverBackoffMs } = this.adapter.settings;
    if (res.status >= 200 && res.status < 300) return res;
    const first = firstError(res.body);
    const retryAfter = retryAfterMs(res.headers.get('retry-after'));
    if (first?.errorCode === 'REQUEST_LIMIT_EXCEEDED') {
      throw new CrmRetryableError(`Salesforce API limit reached on ${what} (REQUEST_LIMIT_EXCEEDED)`, retryAfter ?? limitBackoffMs);
    }
    if (res.status === 429 || res.status >= 500 || first?.errorCode === 'UNABLE_TO_LOCK_ROW' || first?.errorCode === 'SERVER_UNAVAILABLE') {
      throw new CrmRetryableError(`Salesforce ${res.status} on ${what}${first?.errorCode ? ` (${first.errorCode})` : ''}`, retryAfter ?? serverBackoffMs);
    }
    if (res.status === 300) {
      throw new SalesforceApiError(`More than one Lead has this ${TANDEM_LEAD_ID_FIELD}: make the field Unique`, 300, 'MULTIPLE_CHOICES');
    }
    // Salesforce messages name fields and rules, never the values we sent: safe to carry.
    const detail = first ? `${first.errorCode ?? 'ERROR'}: ${first.message ?? ''}${first.fields?.length ? ` [${first.fields.join(', ')}]` : ''}` : `HTTP ${res.status}`;
    throw new SalesforceApiError(`Salesforce refused ${what}: ${detail}`, res.status, first?.errorCode ?? null);
  }

  /** Client credentials (or refresh token, for user-authorised installs) → a new access token, saved. */
  private async refreshToken(): Promise<void> {
    const config = parseConfig(this.config);
    if (!config.clientId || !config.clientSecret) {
      throw new SalesforceApiError('The Salesforce integration needs the External Client App consumer key and secret (clientId, clientSecret).', 0, 'CONFIG');
    }
    const tokenHost = this.adapter.settings.loginUrl ?? this.instanceUrl();
    const grant = await requestSalesforceToken(this.adapter.settings, tokenHost, {
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      refreshToken: config.refreshToken,
    });
    const next: Record<string, unknown> = { ...this.config, accessToken: grant.accessToken, tokenIssuedAt: grant.tokenIssuedAt };
    if (grant.instanceUrl) next.instanceUrl = grant.instanceUrl;
    this.config = next;
    await this.persist(next);
    this.adapter.settings.logger?.info({ tenantId: this.ctx.tenantId }, 'salesforce access token refreshed');
  }

  /**
   * Saves the new token (the sync job calls the adapter with no transaction open, so the save's own short
   * transaction never waits for one). This call already uses the new token: a failed save is only logged,
   * and the next sync simply asks for a token again.
   */
  private async persist(next: Record<string, unknown>): Promise<void> {
    try {
      await this.ctx.saveConfig(next);
    } catch (err) {
      this.adapter.settings.logger?.warn({ tenantId: this.ctx.tenantId, err: err instanceof Error ? err.message : String(err) }, 'salesforce token not saved; the next sync gets a new one');
    }
  }
}

type AdapterSettings = SalesforceCrmAdapter['settings'];

/**
 * One Salesforce request, read to the end within the timeout. Network failures and timeouts become
 * `CrmRetryableError`; the body is parsed as JSON when it is JSON.
 */
async function salesforceFetchJson(settings: AdapterSettings, url: string, init: RequestInit): Promise<{ status: number; body: unknown; headers: Headers }> {
  const { fetch: fetchImpl, timeoutMs, serverBackoffMs } = settings;
  let response: Response;
  let text: string;
  try {
    // The signal bounds the body too: a stalled body fails the same way as a stalled answer.
    response = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (err) {
    // By name: fetch's DOMException may come from another realm (jest), where `instanceof Error` fails.
    const name = (err as { name?: unknown } | null)?.name;
    const reason = typeof name === 'string' ? name : 'unknown';
    // A timed-out request may have reached Salesforce and been applied: retried, never reported as not
    // done. Retrying is safe: Leads and Tasks are upserted by Tandem's external ids.
    if (reason === 'TimeoutError') throw new CrmRetryableError(`Salesforce gave no answer within ${timeoutMs} ms (it may have applied the change)`, serverBackoffMs);
    throw new CrmRetryableError(`Salesforce unreachable (${reason})`, serverBackoffMs);
  }
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, body, headers: response.headers };
}

/**
 * `POST {tokenHost}/services/oauth2/token`: the client credentials grant (or the refresh token grant, for
 * user-authorised installs). The only token client: the sync's refresh and the connect route's check both
 * come here. The secret goes in the form body only, never in a message or a log.
 */
async function requestSalesforceToken(settings: AdapterSettings, tokenHost: string, credentials: SalesforceTokenCredentials): Promise<SalesforceTokenGrant> {
  const { clientId, clientSecret, refreshToken } = credentials;
  const form = new URLSearchParams(
    refreshToken
      ? { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret }
      : { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  );
  const res = await salesforceFetchJson(settings, `${tokenHost}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: form.toString(),
  });
  if (res.status >= 500 || res.status === 429) {
    throw new CrmRetryableError(`Salesforce token endpoint answered ${res.status}`, retryAfterMs(res.headers.get('retry-after')) ?? settings.serverBackoffMs);
  }
  const body = (res.body ?? {}) as { access_token?: unknown; instance_url?: unknown; issued_at?: unknown; id?: unknown; error?: unknown; error_description?: unknown };
  if (res.status !== 200 || typeof body.access_token !== 'string') {
    const code = typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
    const description = typeof body.error_description === 'string' ? body.error_description : '';
    throw new SalesforceTokenError(
      `Salesforce token request refused (${code}${description ? `: ${description}` : ''}). Check the consumer key/secret and that the client credentials flow has a run-as user.`,
      res.status,
      code,
      description,
    );
  }
  const issuedAt = typeof body.issued_at === 'string' && /^\d+$/.test(body.issued_at) ? new Date(Number(body.issued_at)) : new Date();
  return {
    accessToken: body.access_token,
    tokenIssuedAt: issuedAt.toISOString(),
    instanceUrl: typeof body.instance_url === 'string' && /^https:\/\//.test(body.instance_url) ? body.instance_url : null,
    orgId: orgIdOfIdentityUrl(body.id),
  };
}

/** `https://login.salesforce.com/id/00D.../005...` → the org id (18 characters), or null. */
function orgIdOfIdentityUrl(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  const match = /\/id\/([a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)\/[a-zA-Z0-9]{15,18}\/?$/.exec(id);
  return match ? toSalesforceId18(match[1]!) : null;
}

function parseConfig(config: Record<string, unknown>): SalesforceIntegrationConfig {
  const parsed = salesforceIntegrationConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SalesforceApiError(`Salesforce integration config is invalid: ${issue.path.join('.')}: ${issue.message}`, 0, 'CONFIG');
  }
  return parsed.data;
}

function firstError(body: unknown): SalesforceErrorItem | null {
  if (Array.isArray(body) && body.length > 0 && typeof body[0] === 'object') return body[0] as SalesforceErrorItem;
  if (body && typeof body === 'object' && 'errorCode' in body) return body as SalesforceErrorItem;
  return null;
}

function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** "+1 ••• 0142": enough for a rep to recognise the lead, never the full number (LastName is widely visible). */
export function maskPhone(phone: string): string | null {
  const parsed = parsePhoneNumberFromString(phone);
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 4) return null;
  const last4 = digits.slice(-4);
  return parsed ? `+${parsed.countryCallingCode} ••• ${last4}` : `••• ${last4}`;
}
