/**
 * Offline reply templates (English and Spanish). They state no price, date or policy of their own: facts
 * only ever come from the tenant's knowledge, quoted by the offline model.
 */

export type TemplateLanguage = 'en' | 'es';

export interface TemplateVars {
  name: string | null;
  business: string;
}

type Template = (v: TemplateVars) => string;

const hi = (lang: TemplateLanguage, name: string | null): string =>
  lang === 'es' ? (name ? `Hola ${name}, ` : 'Hola, ') : name ? `Hi ${name}, ` : 'Hi, ';

export const TEMPLATES: Record<TemplateLanguage, Record<string, Template>> = {
  en: {
    greeting: (v) => `${hi('en', v.name)}thanks for reaching out to ${v.business}! What can I help you with today?`,
    optOut: () => 'Understood. You will not get more texts from us.',
    handoff: (v) => `Of course! I'm bringing in someone from the ${v.business} team. They'll text you back shortly.`,
    holding: (v) => `Thanks${v.name ? ` ${v.name}` : ''}! I'm passing this to a member of the ${v.business} team who can help. They'll text you back shortly.`,
    notInterested: () => 'No problem at all, thanks for letting us know. If anything changes, just text us here.',
    complaint: (v) => `I'm sorry to hear that. I'm passing this to the ${v.business} team right away so a person can make it right.`,
    priceGap: (v) => `Good question! I don't want to guess on pricing, so someone from ${v.business} will text you exact numbers shortly.`,
    gap: (v) => `Good question! I want to get that right, so someone from the ${v.business} team will follow up with the details shortly.`,
    support: (v) => `Sorry about the trouble! I'm passing this to the ${v.business} team so a person can sort it out.`,
    booking: () => `Happy to set that up! What day and time work best for you?`,
    acknowledge: (v) => `Thanks for the message! Is there anything about ${v.business} I can help you with?`,
    confirmTime: (v) => `Great, thanks! I'm passing that to the ${v.business} team to confirm the time. They'll text you shortly.`,
    noted: () => 'Sounds good, thanks for letting us know! Text us here anytime.',
    answerPrefix: () => '',
    followPricing: () => 'Would you like to set up a time to talk?',
    followAvailability: () => 'Would you like me to book a time for you?',
    followGeneric: () => 'Anything else I can help with?',
  },
  es: {
    greeting: (v) => `${hi('es', v.name)}gracias por escribir a ${v.business}. ¿En qué te puedo ayudar hoy?`,
    optOut: () => 'Entendido. No recibirás más mensajes nuestros.',
    handoff: (v) => `¡Claro! Voy a pasar tu mensaje a una persona del equipo de ${v.business}. Te escribirá en breve.`,
    holding: (v) => `¡Gracias${v.name ? ` ${v.name}` : ''}! Voy a pasar esto a una persona del equipo de ${v.business} que te podrá ayudar. Te escribirá en breve.`,
    notInterested: () => 'Sin problema, gracias por avisarnos. Si algo cambia, escríbenos aquí.',
    complaint: (v) => `Lamento mucho lo ocurrido. Paso esto ahora mismo al equipo de ${v.business} para que una persona lo resuelva.`,
    priceGap: (v) => `¡Buena pregunta! No quiero adivinar precios, así que alguien de ${v.business} te enviará los detalles en breve.`,
    gap: (v) => `¡Buena pregunta! Quiero darte la información correcta, así que alguien del equipo de ${v.business} te responderá en breve.`,
    support: (v) => `¡Lamento el inconveniente! Paso esto al equipo de ${v.business} para que una persona lo resuelva.`,
    booking: () => '¡Con gusto lo agendamos! ¿Qué día y hora te vienen mejor?',
    acknowledge: (v) => `¡Gracias por tu mensaje! ¿Hay algo de ${v.business} en lo que te pueda ayudar?`,
    confirmTime: (v) => `¡Perfecto, gracias! Paso tu propuesta al equipo de ${v.business} para confirmar la hora. Te escribirán en breve.`,
    noted: () => '¡Perfecto, gracias por avisarnos! Escríbenos aquí cuando quieras.',
    answerPrefix: () => 'Según nuestra información: ',
    followPricing: () => '¿Te gustaría agendar una llamada?',
    followAvailability: () => '¿Quieres que te reserve un horario?',
    followGeneric: () => '¿Te ayudo con algo más?',
  },
};

/** English for anything without its own templates. */
export function templateLanguage(language: string | null | undefined): TemplateLanguage {
  return language?.toLowerCase().startsWith('es') ? 'es' : 'en';
}

/** Fills one template. */
export function fill(language: string | null | undefined, key: keyof (typeof TEMPLATES)['en'], vars: TemplateVars): string {
  return TEMPLATES[templateLanguage(language)][key](vars);
}

const OPENER_REASON: Record<TemplateLanguage, (formName: string) => string> = {
  en: (formName) => (formName ? `thanks for your ${formName.toLowerCase()}` : 'thanks for your request'),
  es: (formName) => (formName ? `gracias por tu solicitud (${formName})` : 'gracias por tu solicitud'),
};

/** The offline opener: names the business and the reason, asks one question, ends with the STOP line. */
export function openerTemplate(language: string | null | undefined, vars: TemplateVars & { formName: string; interest: string | null }): string {
  const lang = templateLanguage(language);
  const greet = lang === 'es' ? (vars.name ? `Hola ${vars.name}` : 'Hola') : vars.name ? `Hi ${vars.name}` : 'Hi';
  const reason = OPENER_REASON[lang](vars.formName);
  const question =
    lang === 'es'
      ? vars.interest
        ? `¿Cuándo te viene bien hablar sobre ${vars.interest}?`
        : '¿En qué te podemos ayudar?'
      : vars.interest
        ? `When is a good time to talk about ${vars.interest}?`
        : 'What can we help you with?';
  const stop = lang === 'es' ? 'Responde STOP para darte de baja. Reply STOP to opt out' : 'Reply STOP to opt out';
  const intro = lang === 'es' ? `somos ${vars.business}` : `this is ${vars.business}`;
  return `${greet}, ${intro}: ${reason}! ${question} ${stop}`;
}
