/**
 * Word lists behind the offline rules model and the deterministic safety checks. Patterns run on text
 * normalised by `normalizeText` (lower case, accents stripped, curly quotes straightened), so Spanish
 * patterns are written without accents.
 */

/** Every intent the pipeline knows. The order is the tie-break priority (safety first). */
export const INTENTS = [
  'opt_out',
  'wants_human',
  'not_interested',
  'complaint',
  'pricing',
  'booking',
  'availability',
  'features',
  'support',
  'greeting',
  'other',
] as const;
export type Intent = (typeof INTENTS)[number];

/** A weighted pattern: strong phrases weigh 2 or 3, generic words 1. */
export interface WeightedPattern {
  re: RegExp;
  weight: number;
}

const w = (re: RegExp, weight = 1): WeightedPattern => ({ re, weight });

export const INTENT_PATTERNS: Record<Exclude<Intent, 'other'>, WeightedPattern[]> = {
  opt_out: [
    w(/^\s*(stop|stopall|unsubscribe|cancel|end|quit|revoke|optout|opt out|baja|alto|parar)\s*[.!]*\s*$/, 5),
    w(/\bstop (texting|messaging|contacting|sending|calling|bugging|spamming)\b/, 5),
    w(/\b(remove|delete|take) (me|my (number|phone|info))\b.*\b(list|contacts?|database|system|texts?)\b/, 5),
    w(/\btake me off\b/, 5),
    w(/\bunsubscribe\b/, 5),
    w(/\bopt (me )?out\b/, 5),
    w(/\b(don'?t|do not|never) (text|message|contact|sms) me\b/, 5),
    w(/\bno more (texts|messages|sms)\b/, 5),
    w(/\bleave me alone\b/, 4),
    w(/\blose my number\b/, 5),
    w(/\bwrong number\b/, 4),
    w(/\bno (me )?(escribas|escriban|envies|envien|contactes|contacten|mandes|manden|molestes|molesten)\b/, 5),
    w(/\bdej(a|en|e) de (escribir|enviar|mandar|molestar)/, 5),
    w(/\b(dar(me)?|denme|deme) de baja\b/, 5),
    w(/\b(quitar|quitenme|sacar|saquenme|borrar|borrenme)\b.*\blista\b/, 5),
    w(/\bno quiero (recibir )?(mas )?mensajes\b/, 5),
  ],
  wants_human: [
    w(/\b(talk|speak|chat|connect me) (to|with) (a |an |the |your )?(real |actual |live )?(person|human|someone|somebody|agent|representative|rep|manager|owner|team member|salesperson|sales (team|rep)|staff)\b/, 4),
    w(/\b(real|actual|live) (person|human)\b/, 3),
    w(/\bhuman being\b/, 3),
    w(/\bare you (a |an )?(bot|robot|ai|machine|real person|human)\b/, 3),
    w(/\bis this (a |an )?(bot|robot|ai|automated)\b/, 3),
    w(/\b(can|could) (someone|somebody|you|a person|one of you) (please )?call me\b/, 4),
    w(/\b(please )?call me\b/, 3),
    w(/\bgive me a (call|ring)\b/, 3),
    w(/\b(agent|representative|operator) please\b/, 3),
    w(/\bhablar con (una persona|alguien|un humano|un agente|un asesor|una persona real)\b/, 4),
    w(/\bpersona real\b/, 3),
    w(/\b(llamame|llamenme|me pueden llamar|me puede llamar)\b/, 3),
  ],
  not_interested: [
    w(/\bnot interested\b/, 4),
    w(/\bno longer (interested|looking|need)/, 4),
    w(/\bno,? thanks?( you)?\b/, 3),
    w(/\b(don'?t|do not) need (it|this|that|your|any)\b/, 3),
    w(/\b(went|going|gone) with (another|someone else|a different|a competitor|other)\b/, 4),
    w(/\balready (have|found|bought|hired|signed|booked) (one|someone|a|another|with)\b/, 3),
    w(/\bchanged my mind\b/, 3),
    w(/\bnot (looking|buying) anymore\b/, 4),
    w(/\bno me interesa\b/, 4),
    w(/\bno,? gracias\b/, 3),
    w(/\bya no (estoy interesad[oa]|me interesa|lo necesito)\b/, 4),
  ],
  complaint: [
    w(/\bcomplain(t|ts|ing)?\b/, 3),
    w(/\b(terrible|awful|horrible|worst|unacceptable|disgusting|pathetic|ridiculous)\b/, 2),
    w(/\bripped off\b|\brip ?off\b|\bscam(med)?\b/, 3),
    w(/\b(very|so|extremely|really) (disappointed|unhappy|upset|frustrated|angry)\b/, 3),
    w(/\b(never|nobody|no one) (ever )?(showed up|arrived|came|called( me)? back|responded|got back)\b/, 3),
    w(/\b(still|been) waiting\b/, 2),
    w(/\brude\b/, 2),
    w(/\bqueja\b|\breclamo\b|\bpesimo\b|\bestafa\b/, 3),
  ],
  pricing: [
    w(/\b(price|prices|pricing|priced)\b/, 3),
    w(/\bhow much\b/, 3),
    w(/\b(cost|costs|costing)\b/, 3),
    w(/\b(quote|estimate)s?\b/, 2),
    w(/\b(rate|rates|fee|fees|charge|charges)\b/, 2),
    w(/\b(budget|afford|expensive|cheap|discount|deal)\b/, 2),
    w(/\b(plan|plans|package|packages|subscription|tier)\b/, 1),
    w(/\b(buy|purchase|order|pay|payment)\b/, 2),
    w(/\bready to (buy|start|go|move forward|sign|proceed|purchase)\b/, 3),
    w(/\b(run me|set me back|cost me|ballpark)\b/, 3),
    w(/\b(financing|finance|monthly payments?|payment plans?|payment options?)\b/, 3),
    w(/\$\s?\d/, 1),
    w(/\b(precio|precios|costo|costos|coste|cotizacion|tarifa|tarifas|presupuesto)\b/, 3),
    w(/\bcuanto (cuesta|cuestan|vale|valen|sale|salen|cobran|es)\b/, 3),
    w(/\b(comprar|pagar)\b/, 2),
  ],
  booking: [
    w(/\b(book|booking|reserve|reservation)\b/, 3),
    w(/\bappointment\b/, 3),
    w(/\b(demo|demonstration|walkthrough|walk-through)\b/, 3),
    w(/\b(free )?trial\b/, 3),
    w(/\bschedule (a|an|the|my|me|some)\b/, 3),
    w(/\bset up (a|an) (call|meeting|time|visit|consultation)\b/, 3),
    w(/\b(meeting|consultation|consult|visit)\b/, 1),
    w(/\bsign me up\b/, 3),
    w(/\b(cita|reservar|reserva|agendar|demostracion|prueba gratis|prueba)\b/, 3),
  ],
  availability: [
    w(/\b(available|availability)\b/, 3),
    w(/\b(are|r) (you|u|y'all|you guys) open\b/, 3),
    w(/\bopen (today|tomorrow|now|on|at|until|till|late|this)\b/, 2),
    w(/\b(hours|opening times|open hours)\b/, 2),
    w(/\b(openings?|slots?|spots?)\b/, 2),
    w(/\bin stock\b/, 3),
    w(/\bwhen (can|could|do|would) (you|someone|they|i)\b/, 2),
    w(/\b(this|next) (week|weekend)\b|\btomorrow\b|\btoday\b/, 1),
    w(/\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/, 1),
    w(/\bhow soon\b|\bearliest\b|\blead time\b/, 2),
    w(/\b(disponible|disponibles|disponibilidad|horario|horarios|abierto|abiertos)\b/, 3),
    w(/\ba que hora\b|\bcuando (pueden|puede|abren)\b/, 3),
  ],
  features: [
    w(/\b(feature|features|functionality|capabilities)\b/, 3),
    w(/\bintegrat(e|es|ion|ions)\b/, 3),
    w(/\b(does|do|can|will) (it|this|that|your (product|service|app|software|system|plan)|the (app|product|software)) (do|have|support|work|include|handle|connect|sync|offer|come|track|send)\b/, 3),
    w(/\bdo you (guys )?(offer|support|provide|include|do|have|handle|service|install|deliver|work|take|accept)\b/, 2),
    w(/\bwork(s)? with\b|\bcompatible\b|\bsupport for\b/, 2),
    w(/\b(option|options|included|includes|come with|comes with)\b/, 1),
    w(/\b(funciona con|incluye|ofrecen|ofrece|tienen|manejan)\b/, 2),
  ],
  support: [
    w(/\b(can'?t|cannot|unable to) (log ?in|login|sign in|access|open|connect|find|reset)\b/, 3),
    w(/\b(not|isn'?t|doesn'?t|won'?t|stopped) (working|work|loading|load|connecting)\b/, 3),
    w(/\b(password|account|invoice|receipt|bug|error|crash|crashing|glitch)\b/, 2),
    w(/\b(problem|issue|trouble)\b/, 2),
    w(/\bhelp (me )?with\b|\bneed help\b/, 2),
    w(/\b(fix|repair|reset|troubleshoot)\b/, 1),
    w(/\b(problema|ayuda con|no funciona|mi cuenta|contrasena)\b/, 3),
  ],
  greeting: [
    w(/^\s*(hi|hello|hey|heya|hiya|howdy|yo|greetings|good (morning|afternoon|evening|day))\b/, 2),
    w(/^\s*(hola|buenos dias|buenas tardes|buenas noches|buenas|que tal)\b/, 2),
    w(/^\s*(bonjour|bonsoir|salut|coucou)\b/, 2),
    w(/^\s*(hallo|guten (tag|morgen|abend)|servus|moin)\b/, 2),
    w(/^\s*(ciao|buongiorno|buonasera|salve)\b/, 2),
    w(/^\s*(ola|oi|bom dia|boa tarde|boa noite)\b/, 2),
    w(/^\s*(namaste|konnichiwa|merhaba|hej|hei|ahoj|privet)\b/, 2),
  ],
};

/** Greeting openers per language, used by the language detector. */
export const GREETING_LANGUAGE: Array<{ re: RegExp; lang: string }> = [
  { re: /^\s*(hola|buenos dias|buenas tardes|buenas noches|buenas|que tal)\b/, lang: 'es' },
  { re: /^\s*(bonjour|bonsoir|salut|coucou)\b/, lang: 'fr' },
  { re: /^\s*(hallo|guten (tag|morgen|abend)|servus|moin)\b/, lang: 'de' },
  { re: /^\s*(ciao|buongiorno|buonasera|salve)\b/, lang: 'it' },
  { re: /^\s*(ola|oi|bom dia|boa tarde|boa noite)\b/, lang: 'pt' },
  { re: /^\s*(hi|hello|hey|heya|hiya|howdy|good (morning|afternoon|evening))\b/, lang: 'en' },
];

/** Frequent function words per language (normalised, accents stripped). */
export const STOPWORDS: Record<string, string[]> = {
  en: ['the', 'and', 'is', 'are', 'you', 'your', 'to', 'what', 'how', 'do', 'does', 'i', 'my', 'can', 'for', 'of', 'it', 'this', 'that', 'with', 'have', 'we', 'need', 'want', 'please', 'thanks', 'when', 'much', 'me', 'would', 'like', 'about'],
  es: ['el', 'la', 'los', 'las', 'de', 'que', 'y', 'en', 'por', 'para', 'es', 'un', 'una', 'usted', 'ustedes', 'quiero', 'necesito', 'gracias', 'cuanto', 'como', 'cuando', 'tienen', 'hay', 'mi', 'me', 'con', 'pero', 'si', 'esta', 'estoy', 'puedo', 'mas', 'por favor'],
  fr: ['le', 'la', 'les', 'des', 'est', 'je', 'vous', 'merci', 'pour', 'avec', 'une', 'un', 'et', 'que', 'combien', 'quand', 'oui', 'non', 'mon', 'votre'],
  de: ['der', 'die', 'das', 'und', 'ist', 'ich', 'sie', 'nicht', 'danke', 'mit', 'ein', 'eine', 'wie', 'viel', 'wann', 'bitte', 'haben', 'mein', 'ihr'],
  pt: ['o', 'os', 'voce', 'obrigado', 'obrigada', 'nao', 'com', 'uma', 'um', 'para', 'quanto', 'custa', 'quando', 'meu', 'minha', 'tem', 'vocês', 'e', 'do', 'da'],
  it: ['il', 'lo', 'gli', 'grazie', 'sono', 'che', 'per', 'non', 'quanto', 'costa', 'quando', 'mio', 'avete', 'una', 'di', 'e'],
};

export const POSITIVE_WORDS = /\b(great|awesome|amazing|excellent|perfect|love|loved|lovely|wonderful|fantastic|good|nice|happy|glad|excited|thanks|thank you|thx|appreciate|appreciated|sounds good|cool|sweet|helpful|genial|perfecto|excelente|gracias|buenisimo|encantado|encantada|super|merci|danke|grazie|obrigado)\b/g;

export const NEGATIVE_WORDS = /\b(bad|terrible|awful|horrible|worst|hate|hated|angry|upset|frustrated|frustrating|annoyed|annoying|disappointed|disappointing|useless|ridiculous|unacceptable|scam|rude|mad|furious|pissed|sucks|garbage|trash|waste|outraged|disgusted|disaster|nightmare|livid|mess|never again|fed up|sick of|unhappy|poor|slow|late|wrong|broken|molesto|molesta|enojado|enojada|pesimo|malo|mala|horrible|furioso)\b/g;

/** Negators flip the sentiment of the next one to three words ("not happy", "not bad"). */
export const NEGATORS = /\b(not|no|never|isn'?t|wasn'?t|don'?t|didn'?t|doesn'?t|hardly|nada|nunca)\b/;

export const URGENCY_CRITICAL = /\b(emergency|emergencies|urgent|urgently|immediately|right now|right away|asap|a\.s\.a\.p|critical|flooding|flooded|burst|leaking|no heat|no power|emergencia|urgente|inmediatamente|ahora mismo|ya mismo)\b/;
export const URGENCY_HIGH = /\b(today|tonight|this week|this weekend|tomorrow|soon|quickly|quick|fast|hurry|as soon as|same day|by friday|deadline|hoy|manana|pronto|rapido|cuanto antes|esta semana)\b/;
export const URGENCY_LOW = /\b(no rush|no hurry|whenever|someday|eventually|next year|just browsing|just looking|sin prisa)\b/;

/** Legal and compliance words: any of them sends the conversation to a person. */
export const LEGAL_WORDS = [
  'lawyer',
  'attorney',
  'sue',
  'suing',
  'lawsuit',
  'legal action',
  'court',
  'small claims',
  'refund',
  'refunds',
  'complaint',
  'chargeback',
  'charge back',
  'dispute the charge',
  'bbb',
  'better business bureau',
  'attorney general',
  'ftc',
  'fcc',
  'consumer protection',
  'fraud',
  'harassment',
  'report you',
  'reembolso',
  'abogado',
  'demanda',
  'demandar',
  'denuncia',
];

/** Frustration phrases that mark a turn as unresolved even without a repeated question. */
export const FRUSTRATION = /\b(you (didn'?t|did not|never) answer|not what i asked|i already (asked|told|said)|that doesn'?t (help|answer)|still (don'?t|do not) (know|understand)|what\?{2,}|huh\??|answer (my|the) question|are you even reading|makes no sense|no entiendo|no respondiste)\b|\?{3,}/;

/** A deliberately short list: profanity marks sentiment negative and is flagged, not blocked. */
export const PROFANITY = /\b(f+u+c+k+\w*|shit\w*|bullshit|bitch\w*|asshole\w*|bastard\w*|damn|dammit|crap|wtf|stfu|dick\w*|piss(ed)? off|mierda|pendej\w*|cabron\w*|joder|puta\w*)\b/;

/** Terms an answer about X should contain, used to check that a knowledge hit can really answer. */
export const INTENT_EVIDENCE: Partial<Record<Intent, RegExp>> = {
  pricing: /(\$\s?\d|\d+\s?%|\bsav(e|es|ings)\b|\bbilling\b|\d+(\.\d+)?\s?(usd|dollars?|eur|euros?|€|£|gbp)|\bprice|\bpricing|\bcost|\bfee|\bper (month|hour|visit|year|user)|\bfree\b|\bquote)/,
  availability: /\b(open|hours|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun|weekdays?|weekends?|\d{1,2}(:\d{2})?\s?(am|pm)|available|availability|same[- ]day|within \d+|days?|weeks?)\b/,
};

/** Query expansion: intent words and Spanish words mapped to the English words knowledge tends to use. */
export const QUERY_SYNONYMS: Record<string, string[]> = {
  price: ['price', 'pricing', 'cost', 'fee', 'plan', 'rate'],
  pricing: ['price', 'pricing', 'cost', 'fee', 'plan'],
  cost: ['price', 'pricing', 'cost', 'fee'],
  much: ['price', 'cost'],
  precio: ['price', 'pricing', 'cost'],
  precios: ['price', 'pricing', 'cost'],
  costo: ['price', 'cost'],
  cuesta: ['price', 'cost'],
  cuanto: ['price', 'cost'],
  tarifa: ['price', 'rate', 'fee'],
  horario: ['hours', 'open'],
  horarios: ['hours', 'open'],
  abierto: ['open', 'hours'],
  abren: ['open', 'hours'],
  hours: ['hours', 'open'],
  open: ['hours', 'open'],
  available: ['availability', 'available', 'hours', 'schedule'],
  availability: ['availability', 'available', 'schedule'],
  disponible: ['availability', 'available'],
  disponibilidad: ['availability', 'available'],
  demo: ['demo', 'trial', 'book'],
  trial: ['trial', 'demo'],
  prueba: ['trial', 'demo'],
  reservar: ['book', 'booking', 'appointment'],
  book: ['book', 'booking', 'appointment', 'schedule'],
  appointment: ['appointment', 'book', 'booking', 'schedule'],
  integrate: ['integration', 'integrates', 'integrate'],
  integration: ['integration', 'integrates', 'integrate'],
  garantia: ['warranty', 'guarantee'],
  reembolso: ['refund'],
  envio: ['shipping', 'delivery'],
  entrega: ['delivery', 'shipping'],
  ubicacion: ['location', 'address'],
  donde: ['location', 'address', 'area'],
  where: ['location', 'address', 'area'],
  area: ['area', 'service', 'serve'],
  soon: ['within', 'day', 'book', 'schedule'],
  sistema: ['system'],
  sistemas: ['system'],
  instalacion: ['install', 'installation'],
  evaluacion: ['assessment'],
  inspeccion: ['inspection', 'assessment'],
  bateria: ['battery'],
  baterias: ['battery'],
  paneles: ['panel'],
  seguro: ['insurance'],
  limpieza: ['cleaning'],
  cita: ['appointment', 'book', 'booking'],
  monthly: ['month'],
  payment: ['financing', 'pay', 'month'],
  payments: ['financing', 'pay', 'month'],
  financing: ['financing', 'finance'],
  cheaper: ['save', 'discount', 'price'],
  cheap: ['price', 'save', 'discount'],
  log: ['login', 'password'],
  login: ['login', 'password'],
  signin: ['login', 'password'],
  account: ['login', 'password'],
  password: ['password', 'login'],
};

/** Verbs and fillers that carry no topic: a question's topic words are what is left. */
export const GENERIC_WORDS = new Set([
  'take', 'offer', 'provide', 'give', 'make', 'need', 'want', 'like', 'use', 'work', 'works', 'come', 'go', 'see', 'look',
  'find', 'too', 'someone', 'somebody', 'out', 'guys', 'ok', 'please', 'thank', 'question', 'quick', 'long', 'tell', 'accept',
  'does', 'did', 'doing', 'would', 'could', 'can', 'cant', 'might', 'sure', 'well', 'still', 'even', 'only', 'actually', 'yours',
  'great', 'which', 'what', 'who', 'how', 'where', 'why', 'awesome', 'perfect', 'thanks', 'good', 'hi', 'hello', 'hey', 'yes',
  'okay', 'sounds', 'lol', 'next', 'hola', 'buenas', 'gracias', 'quiero', 'saber',
]);

/** Words that carry no topic, ignored by knowledge retrieval. */
export const RETRIEVAL_STOPWORDS = new Set([
  ...STOPWORDS.en,
  ...STOPWORDS.es,
  'a', 'an', 'be', 'or', 'on', 'in', 'at', 'if', 'so', 'we', 'our', 'us', 'they', 'them', 'there', 'any', 'some',
  'was', 'were', 'will', 'just', 'get', 'got', 'know', 'hi', 'hello', 'hey', 'thanks', 'yes', 'ok', 'okay', 'also',
  'really', 'very', 'much', 'many', 'more', 'all', 'from', 'by', 'as', 'up', 'out', 'about', 'could', 'should',
  'tell', 'let', 'lo', 'le', 'se', 'su', 'sus', 'al', 'del', 'no', 'yo', 'tu', 'te',
]);
