/** The compliance rules: pure functions the send job and the inbound path call. */
export * from './keywords';
export * from './segments';
export * from './quiet-hours';
export * from './compliance-gate';
export { STATE_RULES, stateForAreaCode, stateRuleFor, type StateRule } from './data/state-rules';
export { regionForAreaCode, timezoneForAreaCode } from './data/nanp-timezones';
export { COUNTRY_TIMEZONES } from './data/country-timezones';
