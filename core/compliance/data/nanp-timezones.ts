/**
 * NANP (+1) geographic area codes → US state / Canadian province / territory → IANA time zone.
 *
 * Data, not logic. Compiled from the NANPA area-code assignments as known in 2025 (including overlays
 * opened 2023-2025, e.g. 235 MO, 274 WI, 324 FL, 329 NY, 350 CA, 369 CA, 464 IL, 557 MO, 582 PA, 624 NY,
 * 645 FL, 728 FL, 730 IL, 771 DC, 826 VA, 835 PA, 861 IL, 924 MN, 943 GA, 983 CO, 368 AB, 382 ON, 428 NB,
 * 474 SK, 584 MB, 683 ON, 742 ON, 753 ON, 263 QC, 354 QC, 468 QC, 257 BC). Refresh from nanpa.com when a
 * new overlay opens; an unknown code falls back to the tenant's default zone, never to "no quiet hours".
 *
 * Uncertainty: an area code can straddle a time-zone line. The zone given is where most of its
 * subscribers live; the straddlers are listed in ZONE_OVERRIDES' comments (e.g. 850 FL: Tallahassee is
 * Eastern, Pensacola is Central; 208 ID: Boise is Mountain, the panhandle Pacific; 541 OR: Ontario OR is
 * Mountain; 605 SD and 308 NE: western parts Mountain; 620/785 KS: four western counties Mountain;
 * 701 ND: south-west Mountain; 906 MI: four counties Central; 812/930 IN and 219 IN: north-west and
 * south-west corners Central; 270/364 KY: mostly Central; 423 TN: Chattanooga/Tri-Cities Eastern;
 * 807 ON: Kenora is Central; 867: Yukon, NWT and Nunavut span several zones).
 * Mobile numbers also move with their owners: the area code is a presumption (Florida's and Oklahoma's
 * laws make it one explicitly), not a location.
 */

/** Area codes per US state (and DC), Canadian province and NANP territory. */
export const NANP_AREA_CODES_BY_REGION: Readonly<Record<string, readonly string[]>> = {
  AL: ['205', '251', '256', '334', '659', '938'],
  AK: ['907'],
  AZ: ['480', '520', '602', '623', '928'],
  AR: ['327', '479', '501', '870'],
  CA: [
    '209', '213', '279', '310', '323', '341', '350', '369', '408', '415', '424', '442', '510', '530', '559', '562',
    '619', '626', '628', '650', '657', '661', '669', '707', '714', '747', '760', '805', '818', '820', '831', '837',
    '840', '858', '909', '916', '925', '949', '951',
  ],
  CO: ['303', '719', '720', '970', '983'],
  CT: ['203', '475', '860', '959'],
  DE: ['302'],
  DC: ['202', '771'],
  FL: [
    '239', '305', '321', '324', '352', '386', '407', '448', '561', '645', '656', '689', '727', '728', '754', '772',
    '786', '813', '850', '863', '904', '941', '954',
  ],
  GA: ['229', '404', '470', '478', '678', '706', '762', '770', '912', '943'],
  HI: ['808'],
  ID: ['208', '986'],
  IL: ['217', '224', '309', '312', '331', '447', '464', '618', '630', '708', '730', '773', '779', '815', '847', '861', '872'],
  IN: ['219', '260', '317', '463', '574', '765', '812', '930'],
  IA: ['319', '515', '563', '641', '712'],
  KS: ['316', '620', '785', '913'],
  KY: ['270', '364', '502', '606', '859'],
  LA: ['225', '318', '337', '504', '985'],
  ME: ['207'],
  MD: ['227', '240', '301', '410', '443', '667'],
  MA: ['339', '351', '413', '508', '617', '774', '781', '857', '978'],
  MI: ['231', '248', '269', '313', '517', '586', '616', '679', '734', '810', '906', '947', '989'],
  MN: ['218', '320', '507', '612', '651', '763', '924', '952'],
  MS: ['228', '601', '662', '769'],
  MO: ['235', '314', '417', '557', '573', '636', '660', '816', '975'],
  MT: ['406'],
  NE: ['308', '402', '531'],
  NV: ['702', '725', '775'],
  NH: ['603'],
  NJ: ['201', '551', '609', '640', '732', '848', '856', '862', '908', '973'],
  NM: ['505', '575'],
  NY: [
    '212', '315', '329', '332', '347', '363', '516', '518', '585', '607', '624', '631', '646', '680', '716', '718',
    '838', '845', '914', '917', '929', '934',
  ],
  NC: ['252', '336', '472', '704', '743', '828', '910', '919', '980', '984'],
  ND: ['701'],
  OH: ['216', '220', '234', '283', '326', '330', '380', '419', '436', '440', '513', '567', '614', '740', '937'],
  OK: ['405', '539', '572', '580', '918'],
  OR: ['458', '503', '541', '971'],
  PA: ['215', '223', '267', '272', '412', '445', '484', '570', '582', '610', '717', '724', '814', '835', '878'],
  RI: ['401'],
  SC: ['803', '821', '839', '843', '854', '864'],
  SD: ['605'],
  TN: ['423', '615', '629', '731', '865', '901', '931'],
  TX: [
    '210', '214', '254', '281', '325', '346', '361', '409', '430', '432', '469', '512', '682', '713', '726', '737',
    '806', '817', '830', '832', '903', '915', '936', '940', '945', '956', '972', '979',
  ],
  UT: ['385', '435', '801'],
  VT: ['802'],
  VA: ['276', '434', '540', '571', '686', '703', '757', '804', '826', '948'],
  WA: ['206', '253', '360', '425', '509', '564'],
  WV: ['304', '681'],
  WI: ['262', '274', '353', '414', '534', '608', '715', '920'],
  WY: ['307'],
  // US territories
  PR: ['787', '939'],
  VI: ['340'],
  GU: ['671'],
  AS: ['684'],
  MP: ['670'],
  // Canada
  AB: ['368', '403', '587', '780', '825'],
  BC: ['236', '250', '257', '604', '672', '778'],
  MB: ['204', '431', '584'],
  NB: ['428', '506'],
  NL: ['709', '879'],
  NS: ['782', '902'], // shared with PE
  ON: [
    '226', '249', '289', '343', '365', '382', '387', '416', '437', '519', '548', '613', '647', '683', '705', '742',
    '753', '807', '905', '942',
  ],
  QC: ['263', '354', '367', '418', '438', '450', '468', '514', '579', '581', '819', '873'],
  SK: ['306', '474', '639'],
  YT: ['867'], // shared by Yukon, Northwest Territories and Nunavut
};

/** The zone for most of each region. */
export const REGION_TIMEZONES: Readonly<Record<string, string>> = {
  AL: 'America/Chicago', AK: 'America/Anchorage', AZ: 'America/Phoenix', AR: 'America/Chicago',
  CA: 'America/Los_Angeles', CO: 'America/Denver', CT: 'America/New_York', DE: 'America/New_York',
  DC: 'America/New_York', FL: 'America/New_York', GA: 'America/New_York', HI: 'Pacific/Honolulu',
  ID: 'America/Boise', IL: 'America/Chicago', IN: 'America/Indiana/Indianapolis', IA: 'America/Chicago',
  KS: 'America/Chicago', KY: 'America/New_York', LA: 'America/Chicago', ME: 'America/New_York',
  MD: 'America/New_York', MA: 'America/New_York', MI: 'America/Detroit', MN: 'America/Chicago',
  MS: 'America/Chicago', MO: 'America/Chicago', MT: 'America/Denver', NE: 'America/Chicago',
  NV: 'America/Los_Angeles', NH: 'America/New_York', NJ: 'America/New_York', NM: 'America/Denver',
  NY: 'America/New_York', NC: 'America/New_York', ND: 'America/Chicago', OH: 'America/New_York',
  OK: 'America/Chicago', OR: 'America/Los_Angeles', PA: 'America/New_York', RI: 'America/New_York',
  SC: 'America/New_York', SD: 'America/Chicago', TN: 'America/Chicago', TX: 'America/Chicago',
  UT: 'America/Denver', VT: 'America/New_York', VA: 'America/New_York', WA: 'America/Los_Angeles',
  WV: 'America/New_York', WI: 'America/Chicago', WY: 'America/Denver',
  PR: 'America/Puerto_Rico', VI: 'America/St_Thomas', GU: 'Pacific/Guam', AS: 'Pacific/Pago_Pago',
  MP: 'Pacific/Saipan',
  AB: 'America/Edmonton', BC: 'America/Vancouver', MB: 'America/Winnipeg', NB: 'America/Moncton',
  NL: 'America/St_Johns', NS: 'America/Halifax', ON: 'America/Toronto', QC: 'America/Toronto',
  SK: 'America/Regina', YT: 'America/Edmonton',
};

/** Area codes whose majority zone differs from their region's. */
export const ZONE_OVERRIDES: Readonly<Record<string, string>> = {
  // Florida panhandle west of the Apalachicola is Central; 850 straddles (Tallahassee Eastern), 448 overlays it.
  '850': 'America/Chicago',
  '448': 'America/Chicago',
  // North-west Indiana (Gary) is Central.
  '219': 'America/Chicago',
  // Western Kentucky (Bowling Green, Paducah, Owensboro) is Central.
  '270': 'America/Chicago',
  '364': 'America/Chicago',
  // East Tennessee (Knoxville, Chattanooga, Tri-Cities) is Eastern.
  '423': 'America/New_York',
  '865': 'America/New_York',
  // El Paso is Mountain.
  '915': 'America/Denver',
  // Yukon is on permanent MST (UTC-7); Yellowknife uses Mountain too, Iqaluit Eastern.
  '867': 'America/Edmonton',
};

const REGION_BY_AREA_CODE: ReadonlyMap<string, string> = new Map(
  Object.entries(NANP_AREA_CODES_BY_REGION).flatMap(([region, codes]) => codes.map((code) => [code, region] as const)),
);

/** The US state, Canadian province or territory (two-letter code) of a NANP area code, or null. */
export function regionForAreaCode(areaCode: string): string | null {
  return REGION_BY_AREA_CODE.get(areaCode) ?? null;
}

/** The IANA time zone of a NANP area code, or null when the code is unknown or not geographic. */
export function timezoneForAreaCode(areaCode: string): string | null {
  const override = ZONE_OVERRIDES[areaCode];
  if (override) return override;
  const region = regionForAreaCode(areaCode);
  return region ? (REGION_TIMEZONES[region] ?? null) : null;
}
