import type { FilterGroup, FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts';
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/communications';
import type { PropertyCreate, PropertyCreateFieldTypeEnum, PropertyCreateTypeEnum } from '@hubspot/api-client/lib/codegen/crm/properties';
import { type CrmAdapter, type CrmContext, type CrmLeadSnapshot, type CrmMessageSnapshot, CrmRetryableError } from '../../core/index';
import { createHubSpotClient, type HubSpotApi, hubSpotMessage, HubSpotRequestError, hubSpotStatus, toCrmError } from './hubspot-client';

/** Where Tandem's own contact properties live in HubSpot's property settings. */
export const TANDEM_PROPERTY_GROUP = { name: 'tandem', label: 'Tandem', displayOrder: -1 } as const;

/**
 * The contact property holding Tandem's lead id. Created with unique values (`hasUniqueValue`), so HubSpot
 * itself keeps one contact per lead: contacts are created by upserting on it (see `upsertLead`).
 */
export const TANDEM_LEAD_ID_PROPERTY = 'tandem_lead_id';

/** How long a portal that refused to create `tandem_lead_id` is synced without it before it is asked again. */
const LEAD_ID_RECHECK_MS = 3_600_000;

/** What `ensureProperties` did: the properties it created, and any the portal would not take. */
export interface EnsuredProperties {
  created: string[];
  unavailable?: string[];
}

/** HubSpot-defined association type: communication → contact. */
export const COMMUNICATION_TO_CONTACT_ASSOCIATION_TYPE_ID = 81;

type Tag = CrmLeadSnapshot['tag'];

/**
 * Tandem tag → HubSpot's default `hs_lead_status` options (NEW, OPEN, IN_PROGRESS, OPEN_DEAL, UNQUALIFIED,
 * ATTEMPTED_TO_CONTACT, CONNECTED, BAD_TIMING):
 * - HOT → IN_PROGRESS: buying signals; a salesperson should be working it now.
 * - WARM → OPEN: engaged, still being nurtured.
 * - COLD → ATTEMPTED_TO_CONTACT: texted, no buying signal yet.
 * Opt-out does not change the status (it is a channel preference, not a disqualification): it is carried
 * by `tandem_opted_out`. OPEN_DEAL, UNQUALIFIED and BAD_TIMING stay human decisions. Portals with custom
 * options pass their own map, or `null` to never write the status.
 */
export const DEFAULT_LEAD_STATUS_BY_TAG: Readonly<Record<Tag, string>> = { HOT: 'IN_PROGRESS', WARM: 'OPEN', COLD: 'ATTEMPTED_TO_CONTACT' };

const option = (label: string, value: string, displayOrder: number) => ({ label, value, displayOrder, hidden: false });

/** Tandem's contact properties, created by {@link HubSpotCrmAdapter.ensureProperties} on install. */
export const TANDEM_CONTACT_PROPERTIES: PropertyCreate[] = [
  {
    name: 'tandem_score',
    label: 'Tandem score',
    description: 'Lead score (0–100) from the Tandem SMS conversation.',
    groupName: TANDEM_PROPERTY_GROUP.name,
    type: 'number' as PropertyCreateTypeEnum,
    fieldType: 'number' as PropertyCreateFieldTypeEnum,
    formField: false,
  },
  {
    name: 'tandem_tag',
    label: 'Tandem tag',
    description: 'HOT, WARM or COLD, from the Tandem SMS conversation.',
    groupName: TANDEM_PROPERTY_GROUP.name,
    type: 'enumeration' as PropertyCreateTypeEnum,
    fieldType: 'select' as PropertyCreateFieldTypeEnum,
    options: [option('Hot', 'HOT', 0), option('Warm', 'WARM', 1), option('Cold', 'COLD', 2)],
    formField: false,
  },
  {
    name: 'tandem_mode',
    label: 'Tandem mode',
    description: 'Who is texting this contact: the AI or a person who took over.',
    groupName: TANDEM_PROPERTY_GROUP.name,
    type: 'enumeration' as PropertyCreateTypeEnum,
    fieldType: 'select' as PropertyCreateFieldTypeEnum,
    options: [option('AI', 'ai', 0), option('Human', 'human', 1)],
    formField: false,
  },
  {
    name: 'tandem_opted_out',
    label: 'Tandem SMS opt-out',
    description: 'The contact opted out of texts (STOP or similar). Tandem will not text them.',
    groupName: TANDEM_PROPERTY_GROUP.name,
    type: 'bool' as PropertyCreateTypeEnum,
    fieldType: 'booleancheckbox' as PropertyCreateFieldTypeEnum,
    options: [option('Yes', 'true', 0), option('No', 'false', 1)],
    formField: false,
  },
  {
    name: TANDEM_LEAD_ID_PROPERTY,
    label: 'Tandem lead ID',
    description: "Tandem's id for this lead. Unique: Tandem creates and finds the contact by it, so a retried sync never makes a second one.",
    groupName: TANDEM_PROPERTY_GROUP.name,
    type: 'string' as PropertyCreateTypeEnum,
    fieldType: 'text' as PropertyCreateFieldTypeEnum,
    hasUniqueValue: true,
    formField: false,
  },
];

/** Anything that hands out a working access token for a tenant (see `HubSpotOAuth`). */
export interface HubSpotTokenSource {
  getAccessToken(ctx: CrmContext): Promise<string>;
}

export interface HubSpotCrmAdapterOptions {
  tokens: HubSpotTokenSource;
  /** API base URL; defaults to https://api.hubapi.com. */
  basePath?: string;
  /** Tag → `hs_lead_status`; `null` leaves the status alone. */
  leadStatusByTag?: Readonly<Record<Tag, string>> | null;
  /** Per-request timeout; defaults to `HUBSPOT_REQUEST_TIMEOUT_MS` (tests shorten it). */
  requestTimeoutMs?: number;
}

/**
 * Keeps HubSpot current through `@hubspot/api-client`: one contact per lead (matched by stored id, else
 * email, else phone, else upserted by `tandem_lead_id`), Tandem's properties and lead status on it, and
 * every text on its timeline as an SMS Communication. Retries belong to core: 429 and 5xx surface as
 * `CrmRetryableError` with HubSpot's wait.
 */
export class HubSpotCrmAdapter implements CrmAdapter {
  readonly provider = 'hubspot' as const;
  private readonly leadStatusByTag: Readonly<Record<Tag, string>> | null;
  /** Tenants whose portal refused to create `tandem_lead_id`, and when (see `leadIdUnavailable`). */
  private readonly leadIdUnavailableAt = new Map<string, number>();

  constructor(private readonly opts: HubSpotCrmAdapterOptions) {
    this.leadStatusByTag = opts.leadStatusByTag === undefined ? DEFAULT_LEAD_STATUS_BY_TAG : opts.leadStatusByTag;
  }

  /**
   * Creates or updates the lead's contact and returns its id (`hs_object_id`): the stored id, else a contact
   * found by email or phone (made by a rep or a form before Tandem knew the lead), else an upsert keyed on
   * `tandem_lead_id`. Every write carries `tandem_lead_id`, so contacts made before that property existed
   * get it on their next sync.
   *
   * Why an upsert and not a create: a create that times out may still have made the contact, and the retry's
   * search can miss it (HubSpot's search index trails writes by seconds), so a create would make a second
   * one for a phone-only lead (phone is not unique in HubSpot). The upsert matches on the unique property
   * itself, not the search index, and it replaces the create call, so a new lead still costs two calls
   * (search + upsert) and a linked lead one (update). A read by `idProperty` before the create would be a
   * third call on every new lead.
   */
  async upsertLead(ctx: CrmContext, lead: CrmLeadSnapshot): Promise<{ externalId: string }> {
    const api = await this.api(ctx);
    if (this.leadIdUnavailable(ctx.tenantId)) return this.writeContact(api, lead, { byLeadId: false });
    try {
      return await this.writeContact(api, lead, { byLeadId: true });
    } catch (err) {
      // An install from before `tandem_lead_id` existed (OAuth installs only ensure properties at install):
      // HubSpot refuses the unknown property. Create it, then write again; once per portal.
      if (!isAboutLeadIdProperty(err)) throw err;
      const ensured = await this.ensurePropertiesWith(api);
      if (ensured.unavailable?.includes(TANDEM_LEAD_ID_PROPERTY)) {
        // The portal cannot have it (its unique-value properties are used up): sync without it for a while.
        this.leadIdUnavailableAt.set(ctx.tenantId, Date.now());
        return this.writeContact(api, lead, { byLeadId: false });
      }
      if (!ensured.created.includes(TANDEM_LEAD_ID_PROPERTY)) throw err;
      try {
        return await this.writeContact(api, lead, { byLeadId: true });
      } catch (again) {
        // A property HubSpot created a moment ago may not be usable yet: the next attempt will find it.
        if (isAboutLeadIdProperty(again)) throw new CrmRetryableError(`HubSpot does not accept the new ${TANDEM_LEAD_ID_PROPERTY} property yet: ${(again as Error).message}`);
        throw again;
      }
    }
  }

  /** True while this tenant's portal is known to refuse `tandem_lead_id`; asked again after an hour. */
  private leadIdUnavailable(tenantId: string): boolean {
    const at = this.leadIdUnavailableAt.get(tenantId);
    if (at === undefined) return false;
    if (Date.now() - at < LEAD_ID_RECHECK_MS) return true;
    this.leadIdUnavailableAt.delete(tenantId);
    return false;
  }

  /**
   * `byLeadId: false` is for a portal without `tandem_lead_id`: the contact is made by a plain create, and a
   * create that timed out after HubSpot made it can then still leave a second contact (see `upsertLead`).
   */
  private async writeContact(api: HubSpotApi, lead: CrmLeadSnapshot, opts: { byLeadId: boolean }): Promise<{ externalId: string }> {
    const properties = this.contactProperties(lead, opts.byLeadId);

    if (lead.externalId) {
      // 404: the contact was deleted or merged away since the last sync; find or create it again.
      if (await this.updateContact(api, lead.externalId, properties, { missingOk: true })) return { externalId: lead.externalId };
    }

    const existingId = await this.findContactId(api, lead);
    if (existingId) {
      await this.updateContact(api, existingId, properties);
      return { externalId: existingId };
    }

    return { externalId: opts.byLeadId ? await this.upsertByLeadId(api, lead.id, properties) : await this.createContact(api, properties) };
  }

  /** A plain create; a 409 names the contact that already has the email, which is adopted. */
  private async createContact(api: HubSpotApi, properties: Record<string, string>): Promise<string> {
    try {
      return (await api.timed(api.client.crm.contacts.basicApi.create({ properties, associations: [] }, api.call))).id;
    } catch (err) {
      const existing = hubSpotStatus(err) === 409 ? existingContactId(hubSpotMessage(err)) : undefined;
      if (!existing) throw toCrmError(err, 'creating a contact');
      await this.updateContact(api, existing, properties);
      return existing;
    }
  }

  /**
   * `POST /crm/v3/objects/contacts/batch/upsert` with one input keyed on `tandem_lead_id`: creates the
   * contact, or updates the one an earlier (timed-out) attempt created. A contact that already has the
   * lead's email answers 409 "Existing ID: n" (as a create does): that contact is adopted, not duplicated.
   */
  private async upsertByLeadId(api: HubSpotApi, leadId: string, properties: Record<string, string>): Promise<string> {
    let response: { results: Array<{ id: string }>; errors?: Array<{ message: string; category: string }> };
    try {
      response = await api.timed(api.client.crm.contacts.batchApi.upsert({ inputs: [{ idProperty: TANDEM_LEAD_ID_PROPERTY, id: leadId, properties }] }, api.call));
    } catch (err) {
      const existing = hubSpotStatus(err) === 409 ? existingContactId(hubSpotMessage(err)) : undefined;
      if (!existing) throw toCrmError(err, 'creating a contact');
      await this.updateContact(api, existing, properties);
      return existing;
    }
    const [result] = response.results;
    if (result) return result.id;
    // 207: HubSpot answers per input, and our only input failed.
    const error = response.errors?.[0];
    const existing = existingContactId(error?.message ?? '');
    if (existing) {
      await this.updateContact(api, existing, properties);
      return existing;
    }
    throw new HubSpotRequestError(`HubSpot did not create the contact: ${error ? `${error.category}: ${error.message}` : 'no result and no error'}`, null);
  }

  /**
   * Logs one text on the contact timeline as a Communication (channel SMS) associated with the contact.
   * A retried sync job must not log the same text twice, so it first looks for the SMS it may already have
   * logged: same contact, same `hs_timestamp` (the message's creation, to the millisecond), same text. This
   * uses only HubSpot's own properties (no custom property, so no extra scope); HubSpot's search index lags
   * a few seconds behind writes, so a retry within that lag can still duplicate (see README).
   */
  async logMessage(ctx: CrmContext, lead: CrmLeadSnapshot & { externalId: string }, message: CrmMessageSnapshot): Promise<void> {
    const api = await this.api(ctx);
    if (await this.alreadyLogged(api, lead.externalId, message)) return;
    try {
      await api.timed(
        api.client.crm.objects.communications.basicApi.create(
          {
            properties: {
              hs_communication_channel_type: 'SMS',
              hs_communication_logged_from: 'CRM',
              hs_communication_body: communicationBody(message),
              hs_timestamp: new Date(message.createdAt).toISOString(),
            },
            associations: [
              {
                to: { id: lead.externalId },
                types: [{ associationCategory: 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum, associationTypeId: COMMUNICATION_TO_CONTACT_ASSOCIATION_TYPE_ID }],
              },
            ],
          },
          api.call,
        ),
      );
    } catch (err) {
      throw toCrmError(err, 'logging an SMS on the contact timeline');
    }
  }

  /** One search on communications: this contact's SMS at this exact instant, carrying this text. */
  private async alreadyLogged(api: HubSpotApi, contactId: string, message: CrmMessageSnapshot): Promise<boolean> {
    const eq = (propertyName: string, value: string) => ({ propertyName, operator: 'EQ' as FilterOperatorEnum, value });
    try {
      const found = await api.timed(
        api.client.crm.objects.communications.searchApi.doSearch(
          {
            filterGroups: [
              {
                filters: [
                  eq('associations.contact', contactId),
                  eq('hs_timestamp', String(Date.parse(message.createdAt))),
                  eq('hs_communication_channel_type', 'SMS'),
                ],
              },
            ],
            properties: ['hs_communication_body'],
            limit: 10,
          },
          api.call,
        ),
      );
      // The label may differ (a delivery failure learned since); the text itself must match.
      const suffix = `:\n${message.body}`;
      return found.results.some((c) => (c.properties.hs_communication_body ?? '').endsWith(suffix));
    } catch (err) {
      throw toCrmError(err, 'looking for an SMS already logged');
    }
  }

  /**
   * Creates the Tandem property group and any missing Tandem contact properties (one batch read, one batch
   * create). Safe to run on every install and start. A portal whose unique-value properties are used up
   * refuses `tandem_lead_id`: the others are then created without it and it is reported `unavailable`, so
   * the install still succeeds and contacts are synced without it.
   */
  async ensureProperties(ctx: CrmContext): Promise<EnsuredProperties> {
    return this.ensurePropertiesWith(await this.api(ctx));
  }

  private async ensurePropertiesWith(api: HubSpotApi): Promise<EnsuredProperties> {
    try {
      await api.timed(api.client.crm.properties.groupsApi.getByName('contacts', TANDEM_PROPERTY_GROUP.name, api.call));
    } catch (err) {
      if (hubSpotStatus(err) !== 404) throw toCrmError(err, 'reading the Tandem property group');
      try {
        await api.timed(api.client.crm.properties.groupsApi.create('contacts', { ...TANDEM_PROPERTY_GROUP }, api.call));
      } catch (createErr) {
        if (hubSpotStatus(createErr) !== 409) throw toCrmError(createErr, 'creating the Tandem property group');
      }
    }

    let existing: Set<string>;
    try {
      const read = await api.timed(api.client.crm.properties.batchApi.read('contacts', { archived: false, inputs: TANDEM_CONTACT_PROPERTIES.map((p) => ({ name: p.name })) }, api.call));
      existing = new Set(read.results.map((p) => p.name));
    } catch (err) {
      throw toCrmError(err, 'reading Tandem contact properties');
    }
    const missing = TANDEM_CONTACT_PROPERTIES.filter((p) => !existing.has(p.name));
    if (missing.length === 0) return { created: [] };
    try {
      await api.timed(api.client.crm.properties.batchApi.create('contacts', { inputs: missing }, api.call));
      return { created: missing.map((p) => p.name) };
    } catch (err) {
      // A 400 for a batch with the unique-value property in it: that is the one a portal can run out of room
      // for. Anything else (a missing scope, a timeout) is not about it.
      if (hubSpotStatus(err) !== 400 || !missing.some((p) => p.name === TANDEM_LEAD_ID_PROPERTY)) throw toCrmError(err, 'creating Tandem contact properties');
      const others = missing.filter((p) => p.name !== TANDEM_LEAD_ID_PROPERTY);
      if (others.length > 0) {
        try {
          await api.timed(api.client.crm.properties.batchApi.create('contacts', { inputs: others }, api.call));
        } catch (err2) {
          throw toCrmError(err2, 'creating Tandem contact properties');
        }
      }
      return { created: others.map((p) => p.name), unavailable: [TANDEM_LEAD_ID_PROPERTY] };
    }
  }

  private async api(ctx: CrmContext): Promise<HubSpotApi> {
    const accessToken = await this.opts.tokens.getAccessToken(ctx);
    return createHubSpotClient({ accessToken, basePath: this.opts.basePath, timeoutMs: this.opts.requestTimeoutMs });
  }

  /** Only what Tandem knows: blank names or emails never wipe what a rep typed in HubSpot. */
  private contactProperties(lead: CrmLeadSnapshot, withLeadId: boolean): Record<string, string> {
    const props: Record<string, string> = {
      phone: lead.phone,
      tandem_score: String(lead.score),
      tandem_tag: lead.tag,
      tandem_mode: lead.mode,
      tandem_opted_out: String(lead.optedOut),
    };
    if (withLeadId) props[TANDEM_LEAD_ID_PROPERTY] = lead.id;
    if (lead.email) props.email = lead.email;
    if (lead.firstName) props.firstname = lead.firstName;
    if (lead.lastName) props.lastname = lead.lastName;
    if (lead.company) props.company = lead.company;
    if (this.leadStatusByTag) props.hs_lead_status = this.leadStatusByTag[lead.tag];
    return props;
  }

  private async updateContact(api: HubSpotApi, id: string, properties: Record<string, string>, opts: { missingOk?: boolean } = {}): Promise<boolean> {
    try {
      await api.timed(api.client.crm.contacts.basicApi.update(id, { properties }, undefined, api.call));
      return true;
    } catch (err) {
      if (opts.missingOk && hubSpotStatus(err) === 404) return false;
      throw toCrmError(err, 'updating a contact');
    }
  }

  /** One search (HubSpot ORs filter groups): email match wins, else phone match. */
  private async findContactId(api: HubSpotApi, lead: CrmLeadSnapshot): Promise<string | null> {
    const eq = (propertyName: string, value: string): FilterGroup => ({ filters: [{ propertyName, operator: 'EQ' as FilterOperatorEnum, value }] });
    const filterGroups = [...(lead.email ? [eq('email', lead.email)] : []), eq('phone', lead.phone)];
    try {
      const found = await api.timed(api.client.crm.contacts.searchApi.doSearch({ filterGroups, properties: ['email', 'phone'], limit: 10 }, api.call));
      const email = lead.email?.toLowerCase();
      const byEmail = email ? found.results.find((c) => c.properties.email?.toLowerCase() === email) : undefined;
      return (byEmail ?? found.results[0])?.id ?? null;
    } catch (err) {
      throw toCrmError(err, 'searching contacts');
    }
  }
}

/** A refusal that names `tandem_lead_id` (HubSpot's "Property \"tandem_lead_id\" does not exist", say). */
function isAboutLeadIdProperty(err: unknown): boolean {
  return err instanceof HubSpotRequestError && err.message.includes(TANDEM_LEAD_ID_PROPERTY);
}

/** The contact HubSpot names in a conflict ("Contact already exists. Existing ID: 4242"). */
function existingContactId(message: string): string | undefined {
  return /Existing ID:\s*(\d+)/i.exec(message)?.[1];
}

/** A timeline entry a rep can read at a glance: who, which way, and the text. */
function communicationBody(message: CrmMessageSnapshot): string {
  const who = message.direction === 'in' ? 'from the lead' : message.author === 'ai' ? 'sent by Tandem AI' : message.author === 'agent' ? 'sent by an agent' : `sent (${message.author})`;
  const problem = ['failed', 'undelivered', 'blocked'].includes(message.status) ? ` — ${message.status}` : '';
  return `SMS ${who}${problem}:\n${message.body}`;
}
