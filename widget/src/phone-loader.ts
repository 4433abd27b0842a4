/**
 * Loads the phone parser (libphonenumber-js core, ~9.5 KB gzipped) as its own script, widget-phone.js,
 * after the form shows: it keeps the first paint inside the 15 KB budget while validating phones with the
 * same library, code and data as the server. See core/forms/validate-submission.ts.
 */
import type { PublicFormDefinition } from '../../core/forms/form-definition';
import type { PhoneParser } from '../../core/forms/validate-submission';
import type { createPhoneParser } from '../../core/forms/phone-parser';

/** What widget-phone.js puts on window. */
export interface TandemPhoneGlobal {
  createPhoneParser: typeof createPhoneParser;
}

declare global {
  interface Window {
    TandemPhone?: TandemPhoneGlobal;
  }
}

const loading = new Map<string, Promise<TandemPhoneGlobal>>();

function loadScript(src: string): Promise<TandemPhoneGlobal> {
  if (window.TandemPhone) return Promise.resolve(window.TandemPhone);
  let p = loading.get(src);
  if (!p) {
    p = new Promise<TandemPhoneGlobal>((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.async = true;
      s.onload = () => (window.TandemPhone ? resolve(window.TandemPhone) : reject(new Error('widget-phone.js did not register')));
      s.onerror = () => {
        loading.delete(src);
        reject(new Error(`could not load ${src}`));
      };
      document.head.appendChild(s);
    });
    loading.set(src, p);
  }
  return p;
}

/** The default loader: fetch `{baseUrl}/widget-phone.js` once and build a parser over the form's phone data. */
export function scriptPhoneLoader(baseUrl: string): (form: PublicFormDefinition) => Promise<PhoneParser> {
  return async (form) => {
    const lib = await loadScript(`${baseUrl.replace(/\/+$/, '')}/widget-phone.js`);
    return lib.createPhoneParser(form.phone.metadata, form.phone.examples, { complete: false });
  };
}
