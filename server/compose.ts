import {
  ConsoleSmsProvider,
  SimulatedPhoneBook,
  SmsProviderError,
  TwilioSmsProvider,
  createAiPipeline,
  createOfflineLanguageModel,
  createOpenAiLanguageModel,
  type Engine,
  type SmsProvider,
  type SmsProviderResolver,
} from '../core/index';
import type { Connector, RouteModule } from './app';
import { loadConfig, type TandemConfig } from './config';
import type { StartOptions } from './main';
import { openApiRouteModule } from './openapi/openapi';
import { analyticsRouteModule } from './routes/analytics.routes';
import { consoleRouteModule } from './routes/console.routes';
import { conversationsRouteModule } from './routes/conversations.routes';
import { demoPhoneRouteModuleWith } from './routes/demo-phone.routes';
import { eventsRouteModule } from './routes/events.routes';
import { leadsRouteModule } from './routes/leads.routes';
import { twilioRouteModule } from './routes/twilio.routes';
import { formsRouteModule, seedDemoCapture } from './routes/forms.routes';
import { widgetAssetsRouteModule } from './routes/widget-assets.routes';
import { DEMO_SETTINGS } from './demo-seed';
import { twilioAdminRouteModule } from './routes/twilio-admin.routes';
import { slackServerConnector } from '../connectors/slack/index';
import { salesforceConnector } from '../connectors/salesforce/index';
import { hubspotConnector } from '../connectors/hubspot/index';

/**
 * The composition root: which connectors and route modules this server runs, and how ports are wired
 * to adapters. Connectors are listed by hand so what runs is visible in one place.
 */
export const connectors: Connector[] = [salesforceConnector, slackServerConnector, hubspotConnector];

/** The simulated phones of the embedded default, shared by the console provider and the demo phone routes. */
export const simulatedPhones = new SimulatedPhoneBook();

export const routes: RouteModule[] = [
  twilioRouteModule,
  conversationsRouteModule,
  leadsRouteModule,
  eventsRouteModule,
  demoPhoneRouteModuleWith(simulatedPhones),
  openApiRouteModule,
  analyticsRouteModule,
  consoleRouteModule,
  formsRouteModule,
  twilioAdminRouteModule,
  widgetAssetsRouteModule,
];

interface TwilioConfig {
  accountSid: string;
  authToken: string;
  messagingServiceSid?: string | null;
  fromNumber?: string | null;
}

/**
 * Per tenant: its Twilio integration (`{ accountSid, authToken, messagingServiceSid?, fromNumber? }`) when
 * connected and enabled, else the fallback (the console's simulated phone in the embedded default).
 * Providers are cached per tenant and rebuilt when the tenant's config changes.
 */
export function tenantSmsProviders(engine: Engine, config: TandemConfig, fallback: SmsProvider | null): SmsProviderResolver {
  const cache = new Map<string, { key: string; provider: SmsProvider }>();
  return async (tenantId, m, preloaded) => {
    const integration = preloaded ? preloaded.twilio : m ? await engine.integrations.getWith(m, 'twilio') : await engine.integrations.get(tenantId, 'twilio');
    if (integration?.enabled) {
      const c = integration.config as unknown as TwilioConfig;
      const key = JSON.stringify([c.accountSid, c.authToken, c.messagingServiceSid, c.fromNumber]);
      let entry = cache.get(tenantId);
      if (!entry || entry.key !== key) {
        entry = {
          key,
          provider: new TwilioSmsProvider({
            accountSid: c.accountSid,
            authToken: c.authToken,
            messagingServiceSid: c.messagingServiceSid ?? null,
            fromNumber: c.fromNumber ?? null,
            baseUrl: config.env.TWILIO_API_BASE_URL ?? null,
            statusCallbackUrl: `${config.publicUrl}/webhooks/twilio/status`,
          }),
        };
        cache.set(tenantId, entry);
      }
      return { provider: entry.provider, from: c.messagingServiceSid ? null : (c.fromNumber ?? null) };
    }
    if (!fallback) throw new SmsProviderError('No SMS provider: connect Twilio for this tenant', 'no_provider', false);
    return { provider: fallback, from: await engine.messaging.numberFor(tenantId, m) };
  };
}

/**
 * The console provider for tenants without Twilio, in the embedded default and demo mode only (elsewhere a
 * tenant without Twilio gets a clear `no_provider` failure rather than texts that silently go nowhere).
 * Its delivery updates take the same path as Twilio status callbacks.
 */
export function consoleProviderFor(engine: Engine, config: TandemConfig, phoneBook = simulatedPhones): SmsProvider | null {
  if (!config.embedded && !config.demo) return null;
  const provider = new ConsoleSmsProvider({ phoneBook, onListenerError: (err) => engine.logger.warn({ err: String(err) }, 'console delivery update failed') });
  provider.onStatus(async (u) => {
    const tenantId = await engine.messaging.tenantForMessage(u.messageId);
    if (tenantId) await engine.messaging.recordStatus(tenantId, { providerMessageId: u.providerMessageId, status: u.status, errorCode: u.errorCode });
  });
  return provider;
}

/** Wires SMS providers and the AI pipeline (offline by default, OpenAI-compatible with OPENAI_API_KEY). */
export function composeWith(config: TandemConfig, consoleProvider?: SmsProvider | null): (engine: Engine) => void {
  return (engine) => {
    const fallback = consoleProvider === undefined ? consoleProviderFor(engine, config) : consoleProvider;
    engine.messaging.useProviders(tenantSmsProviders(engine, config, fallback));
    const env = config.env;
    if (env.OPENAI_API_KEY) {
      engine.useAiPipeline(
        createAiPipeline({
          model: createOpenAiLanguageModel({
            apiKey: env.OPENAI_API_KEY,
            baseURL: env.OPENAI_BASE_URL,
            models: { classify: env.OPENAI_MODEL_CLASSIFY, reply: env.OPENAI_MODEL_REPLY },
            logger: engine.logger,
          }),
          fallback: createOfflineLanguageModel(),
          dailyTokenBudget: env.OPENAI_DAILY_TOKEN_BUDGET,
          clock: engine.clock,
          logger: engine.logger,
        }),
      );
    }
  };
}

export const compose: StartOptions['compose'] = (engine) => composeWith(loadConfig())(engine);

/** Fills a fresh demo tenant: the demo form (open to the local console) and a console number to text from. */
export const seedDemo: StartOptions['seedDemo'] = async (engine, tenantId) => {
  await engine.tenants.updateSettings(tenantId, DEMO_SETTINGS);
  await seedDemoCapture(engine, tenantId);
};
