/** Capture forms: definitions, the shared submission validator and the server's phone data. */
export * from './form-definition';
export * from './validate-submission';
export * from './submission-request';
export { createPhoneParser, type PhoneParserOptions } from './phone-parser';
export { phoneDataFor, serverPhoneParser, PHONE_METADATA, PHONE_EXAMPLES, type PhoneData } from './phone-metadata';
