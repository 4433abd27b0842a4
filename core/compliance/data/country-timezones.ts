/**
 * One representative IANA zone per country (ISO 3166-1 alpha-2), for leads whose number is outside the
 * US and Canada. Most of these countries have a single zone; for the few with several (BR, MX, AU, RU,
 * ID, KZ, CL, ...) the zone of the largest population is used, so quiet hours may be off by an hour or
 * two at the edges: tenants texting those markets should record the lead's zone from the form instead.
 * An unlisted country falls back to the tenant's default zone.
 */
export const COUNTRY_TIMEZONES: Readonly<Record<string, string>> = {
  // NANP countries other than US/CA (area code identifies the country)
  AG: 'America/Antigua', AI: 'America/Anguilla', BB: 'America/Barbados', BM: 'Atlantic/Bermuda',
  BS: 'America/Nassau', DM: 'America/Dominica', DO: 'America/Santo_Domingo', GD: 'America/Grenada',
  JM: 'America/Jamaica', KN: 'America/St_Kitts', KY: 'America/Cayman', LC: 'America/St_Lucia',
  MS: 'America/Montserrat', SX: 'America/Lower_Princes', TC: 'America/Grand_Turk', TT: 'America/Port_of_Spain',
  VC: 'America/St_Vincent', VG: 'America/Tortola', PR: 'America/Puerto_Rico', VI: 'America/St_Thomas',
  GU: 'Pacific/Guam', AS: 'Pacific/Pago_Pago', MP: 'Pacific/Saipan',
  // Americas
  MX: 'America/Mexico_City', BR: 'America/Sao_Paulo', AR: 'America/Argentina/Buenos_Aires', CL: 'America/Santiago',
  CO: 'America/Bogota', PE: 'America/Lima', VE: 'America/Caracas', EC: 'America/Guayaquil', BO: 'America/La_Paz',
  PY: 'America/Asuncion', UY: 'America/Montevideo', CR: 'America/Costa_Rica', PA: 'America/Panama',
  GT: 'America/Guatemala', SV: 'America/El_Salvador', HN: 'America/Tegucigalpa', NI: 'America/Managua',
  CU: 'America/Havana', HT: 'America/Port-au-Prince',
  // Europe
  GB: 'Europe/London', GG: 'Europe/Guernsey', JE: 'Europe/Jersey', IM: 'Europe/Isle_of_Man', IE: 'Europe/Dublin', FR: 'Europe/Paris', DE: 'Europe/Berlin', ES: 'Europe/Madrid',
  PT: 'Europe/Lisbon', IT: 'Europe/Rome', NL: 'Europe/Amsterdam', BE: 'Europe/Brussels', LU: 'Europe/Luxembourg',
  CH: 'Europe/Zurich', AT: 'Europe/Vienna', DK: 'Europe/Copenhagen', NO: 'Europe/Oslo', SE: 'Europe/Stockholm',
  FI: 'Europe/Helsinki', IS: 'Atlantic/Reykjavik', PL: 'Europe/Warsaw', CZ: 'Europe/Prague', SK: 'Europe/Bratislava',
  HU: 'Europe/Budapest', RO: 'Europe/Bucharest', BG: 'Europe/Sofia', GR: 'Europe/Athens', HR: 'Europe/Zagreb',
  SI: 'Europe/Ljubljana', RS: 'Europe/Belgrade', UA: 'Europe/Kyiv', RU: 'Europe/Moscow', TR: 'Europe/Istanbul',
  EE: 'Europe/Tallinn', LV: 'Europe/Riga', LT: 'Europe/Vilnius', CY: 'Asia/Nicosia', MT: 'Europe/Malta',
  // Middle East and Africa
  IL: 'Asia/Jerusalem', AE: 'Asia/Dubai', SA: 'Asia/Riyadh', QA: 'Asia/Qatar', KW: 'Asia/Kuwait', BH: 'Asia/Bahrain',
  OM: 'Asia/Muscat', JO: 'Asia/Amman', LB: 'Asia/Beirut', EG: 'Africa/Cairo', MA: 'Africa/Casablanca',
  ZA: 'Africa/Johannesburg', NG: 'Africa/Lagos', KE: 'Africa/Nairobi', GH: 'Africa/Accra', ET: 'Africa/Addis_Ababa',
  TZ: 'Africa/Dar_es_Salaam', UG: 'Africa/Kampala',
  // Asia and Pacific
  IN: 'Asia/Kolkata', PK: 'Asia/Karachi', BD: 'Asia/Dhaka', LK: 'Asia/Colombo', NP: 'Asia/Kathmandu',
  CN: 'Asia/Shanghai', HK: 'Asia/Hong_Kong', TW: 'Asia/Taipei', JP: 'Asia/Tokyo', KR: 'Asia/Seoul',
  SG: 'Asia/Singapore', MY: 'Asia/Kuala_Lumpur', TH: 'Asia/Bangkok', VN: 'Asia/Ho_Chi_Minh', PH: 'Asia/Manila',
  ID: 'Asia/Jakarta', KZ: 'Asia/Almaty', AU: 'Australia/Sydney', NZ: 'Pacific/Auckland', FJ: 'Pacific/Fiji',
};
