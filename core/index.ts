/**
 * Core's public surface. Server and connectors import from here only (enforced by lint and a test).
 */
export * from './domain/types';
export type * from './domain/conversation-view';
export type * from './engine/engine.types';
export type * from './ports/agent-notifier.port';
export type * from './ports/ai-pipeline.port';
export type * from './ports/language-model.port';
export type * from './ports/job-queue.port';
export type * from './ports/sms-provider.port';
export type * from './ports/crm-adapter.port';
export { SmsProviderError } from './ports/sms-provider.port';
export { CrmRetryableError } from './ports/crm-adapter.port';
export { TandemError, isTandemError, notFound, invalid } from './errors/tandem-error';
export { createEngine, type Engine, type EngineConfig, type ProcessRole } from './engine/create-engine';
export { SecretBox } from './store/secret-box';
export { isUuid } from './store/data-source';
export type { Logger } from './logger';
export { redactSecrets, silentLogger } from './logger';
export { tenantSettingsSchema, resolveSettings, type TenantSettings } from './tenants/tenant-settings';
export type { TenantRecord } from './tenants/tenant.service';
export type { ApiPrincipal, ApiKeyInfo } from './tenants/api-key.service';
export { presentedApiKey, sessionCookieKey, SESSION_COOKIE } from './tenants/presented-api-key';
export { actorOf, surfaceOf } from './audit/surface-of';
export type { DeadJob } from './jobs/job-system';
export type { JobOutcome } from './jobs/job-runner';
export { INTEGRATION_KINDS, type IntegrationStatus } from './integrations/integration.service';
export { BullMqJobQueue } from './jobs/bullmq.job-queue';
export { InProcessJobQueue } from './jobs/in-process.job-queue';
export type { ConversationEngine, LeadListItem, LeadDetail, TwilioRoute } from './conversations/conversation-engine';
export type { SmsProviderResolver, PreloadedIntegrations } from './messaging/send.job';
export type { InboundSms, InboundResult } from './messaging/inbound.service';
export { maskPhone } from './conversations/phone-mask';
export { allowedActions } from './conversations/allowed-actions';
export { parseTwilioStatusCallback, mapTwilioStatus, isStatusAdvance } from './sms/message-status';
export {
  checkTwilioSignature,
  verifyTwilioSignature,
  twilioSigningKeysOf,
  MAX_TWILIO_SIGNING_KEYS,
  TWILIO_SIGNATURE_SETTINGS_HEADER,
  type TwilioSignatureCheck,
  type TwilioSigningKey,
} from './sms/providers/twilio/twilio-signature';
export { TwilioSmsProvider, type TwilioSmsProviderConfig } from './sms/providers/twilio/twilio.sms-provider';
export { createAiPipeline, createOfflineLanguageModel, createOpenAiLanguageModel } from './ai/index';
export { AnalyticsService, parseAnalyticsRange, MAX_RANGE_DAYS, type AnalyticsOverview, type AnalyticsRange } from './analytics/analytics.service';
export { ConsoleSmsProvider, type ConsoleSmsProviderConfig } from './sms/providers/console/console.sms-provider';
export { SimulatedPhoneBook, type SimulatedPhoneMessage } from './sms/providers/console/simulated-phone-book';
export { LEAD_CAPTURED, originNotAllowed, type CaptureRequest, type CaptureResult, type LeadCapturedPayload } from './capture/capture.service';
export { formInactive, formNotFound, originAllowed, type FormRecord, type FormPolicy, type PublicFormResponse } from './capture/form.service';
export { demoFormDefinition, formDefinitionSchema, type FormDefinition, type FormDefinitionInput, type PublicFormDefinition } from './forms/form-definition';
