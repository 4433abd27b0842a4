/**
 * SMS: delivery-status rules and the two providers (Twilio for production, console for the embedded
 * default). The compliance rules the send job applies first live in core/compliance.
 */
export * from './message-status';
export { TwilioSmsProvider, toSmsProviderError, type TwilioSmsProviderConfig } from './providers/twilio/twilio.sms-provider';
export {
  checkTwilioSignature,
  verifyTwilioSignature,
  twilioSigningKeysOf,
  MAX_TWILIO_SIGNING_KEYS,
  TWILIO_SIGNATURE_SETTINGS_HEADER,
  type TwilioSignatureCheck,
  type TwilioSignatureInput,
  type TwilioSigningKey,
} from './providers/twilio/twilio-signature';
export { maskPhonesIn } from './providers/twilio/mask';
export { ConsoleSmsProvider, type ConsoleSmsProviderConfig, type SmsStatusListener } from './providers/console/console.sms-provider';
export {
  SimulatedPhoneBook,
  type SimulatedPhoneBookOptions,
  type SimulatedPhoneMessage,
} from './providers/console/simulated-phone-book';
export { SmsProviderError, type OutboundSms, type SmsProvider, type SmsSendResult } from '../ports/sms-provider.port';
