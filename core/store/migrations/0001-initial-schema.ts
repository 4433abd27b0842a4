import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables that belong to one tenant: each gets row-level security keyed by `app.current_tenant`. */
export const TENANT_TABLES = [
  'api_keys',
  'agents',
  'integrations',
  'phone_numbers',
  'forms',
  'submissions',
  'leads',
  'consent_events',
  'conversations',
  'messages',
  'notes',
  'drafts',
  'outbox',
  'audit_log',
  'crm_links',
  'usage',
  'surface_refs',
] as const;

/**
 * The whole domain in one reviewed migration. Two NOLOGIN roles carry the access rules:
 * - tandem_app: what tenant-scoped transactions run as; sees only rows of `app.current_tenant`.
 * - tandem_system: cross-tenant work (routing an inbound number, the outbox relay, tenant creation).
 * Tables FORCE row-level security, so even the owner sees nothing unless it takes one of the roles.
 */
export class InitialSchema1764500000000 implements MigrationInterface {
  name = 'InitialSchema1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        CREATE ROLE tandem_app NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
      DO $$ BEGIN
        CREATE ROLE tandem_system NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
      GRANT tandem_app TO CURRENT_USER;
      GRANT tandem_system TO CURRENT_USER;
    `);
    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        email text,
        role text NOT NULL DEFAULT 'agent' CHECK (role IN ('admin','agent','viewer')),
        slack_user_id text,
        hubspot_user_id text,
        salesforce_user_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX agents_tenant_email ON agents (tenant_id, lower(email)) WHERE email IS NOT NULL;
      CREATE UNIQUE INDEX agents_tenant_slack ON agents (tenant_id, slack_user_id) WHERE slack_user_id IS NOT NULL;
      CREATE UNIQUE INDEX agents_tenant_hubspot ON agents (tenant_id, hubspot_user_id) WHERE hubspot_user_id IS NOT NULL;
      CREATE UNIQUE INDEX agents_tenant_salesforce ON agents (tenant_id, salesforce_user_id) WHERE salesforce_user_id IS NOT NULL;
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin','agent','viewer')),
        agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE integrations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('twilio','slack','hubspot','salesforce','openai')),
        external_id text,
        config_ciphertext text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, kind)
      );
      CREATE UNIQUE INDEX integrations_kind_external ON integrations (kind, external_id) WHERE external_id IS NOT NULL;
      CREATE TABLE phone_numbers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        e164 text NOT NULL UNIQUE,
        provider text NOT NULL DEFAULT 'twilio',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE forms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        name text NOT NULL,
        definition jsonb NOT NULL,
        version int NOT NULL DEFAULT 1,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX forms_tenant ON forms (tenant_id);
      CREATE TABLE leads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        phone text NOT NULL,
        email text,
        first_name text,
        last_name text,
        company text,
        source text,
        timezone text,
        language text,
        score int NOT NULL DEFAULT 0,
        tag text NOT NULL DEFAULT 'COLD' CHECK (tag IN ('HOT','WARM','COLD')),
        signals jsonb NOT NULL DEFAULT '[]'::jsonb,
        opted_out boolean NOT NULL DEFAULT false,
        consent_state text NOT NULL DEFAULT 'none' CHECK (consent_state IN ('granted','revoked','none')),
        attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, phone)
      );
      CREATE INDEX leads_tenant_email ON leads (tenant_id, lower(email)) WHERE email IS NOT NULL;
      CREATE INDEX leads_tenant_tag ON leads (tenant_id, tag);
      CREATE TABLE submissions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        form_id uuid NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
        form_version int NOT NULL,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        values jsonb NOT NULL,
        consent jsonb NOT NULL,
        utm jsonb NOT NULL DEFAULT '{}'::jsonb,
        referrer text,
        idempotency_key text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX submissions_idempotency ON submissions (form_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX submissions_tenant_created ON submissions (tenant_id, created_at);
      CREATE TABLE consent_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('opt_in','opt_out')),
        source text NOT NULL,
        proof jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX consent_events_lead ON consent_events (lead_id, created_at);
      CREATE TABLE conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        mode text NOT NULL DEFAULT 'ai' CHECK (mode IN ('ai','human')),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','needs_human','closed')),
        autonomy_override text CHECK (autonomy_override IN ('autopilot','copilot','off')),
        assignee_agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        version int NOT NULL DEFAULT 1,
        last_decision jsonb,
        handed_back_at timestamptz,
        followup_step int NOT NULL DEFAULT 0,
        last_inbound_at timestamptz,
        last_outbound_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX conversations_tenant_lead ON conversations (tenant_id, lead_id, created_at DESC);
      CREATE INDEX conversations_tenant_updated ON conversations (tenant_id, updated_at DESC, id DESC);
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        direction text NOT NULL CHECK (direction IN ('in','out')),
        author text NOT NULL CHECK (author IN ('lead','ai','agent','system')),
        author_agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        author_name text,
        body text NOT NULL,
        status text NOT NULL,
        provider text,
        provider_message_id text UNIQUE,
        error_code text,
        scheduled_for timestamptz,
        meta jsonb NOT NULL DEFAULT '{}'::jsonb,
        segments int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
      CREATE INDEX messages_tenant_created ON messages (tenant_id, created_at);
      CREATE TABLE notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        author_agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        author_name text NOT NULL,
        surface text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX notes_conversation ON notes (conversation_id, created_at);
      CREATE TABLE drafts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        inbound_message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending','approved','edited','discarded','superseded','expired','sent')),
        reason text NOT NULL DEFAULT '',
        confidence real NOT NULL DEFAULT 0,
        held_by jsonb NOT NULL DEFAULT '[]'::jsonb,
        meta jsonb NOT NULL DEFAULT '{}'::jsonb,
        sent_message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- At most one pending draft per conversation.
      CREATE UNIQUE INDEX drafts_one_pending ON drafts (conversation_id) WHERE status = 'pending';
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,
        topic text NOT NULL,
        queue text NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','dead')),
        attempts int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL DEFAULT 8,
        available_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz,
        processed_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- The relay's scan: only pending rows are indexed, so done rows cost nothing.
      CREATE INDEX outbox_due ON outbox (available_at, id) WHERE status = 'pending';
      CREATE INDEX outbox_dead ON outbox (tenant_id, id) WHERE status = 'dead';
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        actor_agent_id uuid,
        actor_name text NOT NULL,
        surface text NOT NULL,
        action text NOT NULL,
        entity text NOT NULL,
        entity_id text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX audit_log_tenant_created ON audit_log (tenant_id, created_at);
      CREATE TABLE crm_links (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        lead_id uuid NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        provider text NOT NULL CHECK (provider IN ('hubspot','salesforce')),
        external_id text,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('ok','pending','failed')),
        error text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, lead_id, provider)
      );
      CREATE INDEX crm_links_external ON crm_links (tenant_id, provider, external_id);
      CREATE TABLE usage (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        day date NOT NULL,
        metric text NOT NULL,
        quantity bigint NOT NULL DEFAULT 0,
        UNIQUE (tenant_id, day, metric)
      );
      CREATE TABLE surface_refs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        surface text NOT NULL,
        ref jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (conversation_id, surface)
      );
      -- Replay defence for platform retries (Slack X-Slack-Retry-Num, double clicks): not tenant data.
      CREATE TABLE seen_requests (
        key text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `);

    // The audit log is append-only for everyone, owner included.
    await q.query(`
      CREATE FUNCTION tandem_audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION tandem_audit_log_immutable();
    `);

    await q.query(`
      GRANT USAGE ON SCHEMA public TO tandem_app, tandem_system;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tandem_system;
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tandem_app, tandem_system;
      GRANT SELECT, UPDATE ON tenants TO tandem_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${TENANT_TABLES.filter((t) => t !== 'audit_log').join(', ')} TO tandem_app;
      GRANT SELECT, INSERT ON audit_log TO tandem_app;
      GRANT SELECT, INSERT, DELETE ON seen_requests TO tandem_app;
      ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
      ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_self ON tenants TO tandem_app
        USING (id = nullif(current_setting('app.current_tenant', true), '')::uuid);
      CREATE POLICY system_all ON tenants TO tandem_system USING (true) WITH CHECK (true);
    `);
    for (const table of TENANT_TABLES) {
      await q.query(`
        ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant_isolation ON ${table} TO tandem_app
          USING (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid)
          WITH CHECK (tenant_id = nullif(current_setting('app.current_tenant', true), '')::uuid);
        CREATE POLICY system_all ON ${table} TO tandem_system USING (true) WITH CHECK (true);
      `);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS seen_requests, surface_refs, usage, crm_links, audit_log, outbox, drafts, notes, messages,
        conversations, consent_events, submissions, leads, forms, phone_numbers, integrations, api_keys, agents, tenants CASCADE;
      DROP FUNCTION IF EXISTS tandem_audit_log_immutable();
    `);
  }
}
