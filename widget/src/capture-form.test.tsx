/**
 * Markup of the component as React renders it (server render, no DOM needed). Behaviour in a real
 * browser, with React and with preact, is in widget/widget.browser.test.ts.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { demoFormDefinition, publicFormDefinition } from '../../core/forms/form-definition';
import { CaptureForm } from './capture-form';

const form = publicFormDefinition(
  demoFormDefinition('Acme Homes', {
    fields: [
      ...demoFormDefinition('Acme Homes').fields,
      { type: 'hidden', name: 'source', label: 'Source', defaultValue: 'spring-campaign' },
      { type: 'checkbox', name: 'newsletter', label: 'Send me the newsletter' },
    ],
  }),
);

const html = renderToStaticMarkup(<CaptureForm formId="demo" baseUrl="https://t.test" form={form} />);
const doc = (re: RegExp) => html.match(re) ?? [];
/** The opening tag of the control named `name` (attribute order is React's business). */
const tag = (name: string) => html.match(new RegExp(`<(?:input|select|textarea)[^>]*name="${name}"[^>]*>`))![0];

describe('CaptureForm markup', () => {
  it('ties every visible control to a label', () => {
    const ids = [...html.matchAll(/<(?:input|select|textarea)[^>]*\sid="([^"]+)"/g)].map((m) => m[1]!);
    // 4 inputs + textarea + select + 3 radios + newsletter + consent + honeypot; the hidden field is not rendered.
    expect(ids.length).toBe(12);
    for (const id of ids) expect(html).toContain(`for="${id}"`);
  });

  it('groups radios in a fieldset with a legend', () => {
    expect(html).toMatch(/<fieldset class="tf-field"><legend>When would you like to start\?<span class="tf-req" aria-hidden="true"> \*<\/span><\/legend>/);
    expect(doc(/type="radio"/g)).toHaveLength(3);
  });

  it('renders the consent unticked with the exact text as its label', () => {
    const consent = tag('sms_consent');
    expect(consent).toMatch(/type="checkbox"/);
    expect(consent).not.toMatch(/checked/);
    expect(consent).toMatch(/required/);
    expect(html).toContain(`>${form.consent.text.replace(/&/g, '&amp;')}<span class="tf-req"`);
    expect(tag('newsletter')).not.toMatch(/checked/);
  });

  it('keeps the honeypot out of the tab order and away from assistive tech, and never renders hidden fields', () => {
    expect(html).toMatch(/<div class="tf-hp" aria-hidden="true"><label for="[^"]+">Leave this field empty<\/label><input[^>]*name="website_url"/);
    expect(tag('website_url')).toMatch(/tabindex="-1"/i);
    expect(tag('website_url')).toMatch(/autocomplete="off"/i);
    expect(html).not.toContain('spring-campaign');
    expect(html).not.toContain('name="source"');
  });

  it('describes help text, marks purpose for autofill and opens a polite live region', () => {
    const phone = tag('phone');
    const help = phone.match(/aria-describedby="([^"]+)"/)![1];
    expect(html).toContain(`id="${help}">We will text you at this number.</p>`);
    expect(phone).toMatch(/type="tel"/);
    expect(phone).toMatch(/autocomplete="tel"/i);
    expect(html).toContain('aria-live="polite"');
    expect(html).toContain('<style>.tandem-form{');
  });
});
