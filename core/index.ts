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
export { silentLogger } from './logger';
export { tenantSettingsSchema, resolveSettings, type TenantSettings } from './tenants/tenant-settings';
export type { TenantRecord } from './tenants/tenant.service';
export type { ApiPrincipal, ApiKeyInfo } from './tenants/api-key.service';
export type { DeadJob } from './jobs/job-system';
export type { JobOutcome } from './jobs/job-runner';
export type { IntegrationStatus } from './integrations/integration.service';
export { BullMqJobQueue } from './jobs/bullmq.job-queue';
export { InProcessJobQueue } from './jobs/in-process.job-queue';
export type { ConversationEngine, LeadListItem, LeadDetail, TwilioRoute } from './conversations/conversation-engine';
export type { SmsProviderResolver } from './messaging/send.job';
export type { InboundSms, InboundResult } from './messaging/inbound.service';
export { maskPhone } from './conversations/phone-mask';
export { allowedActions } from './conversations/allowed-actions';
export { parseTwilioStatusCallback, mapTwilioStatus, isStatusAdvance } from './sms/message-status';
export { verifyTwilioSignature } from './sms/providers/twilio/twilio-signature';
export { TwilioSmsProvider, type TwilioSmsProviderConfig } from './sms/providers/twilio/twilio.sms-provider';
export { createAiPipeline, createOfflineLanguageModel, createOpenAiLanguageModel } from './ai/index';
export { AnalyticsService, parseAnalyticsRange, MAX_RANGE_DAYS, type AnalyticsOverview, type AnalyticsRange } from './analytics/analytics.service';
