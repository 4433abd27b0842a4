/**
 * The demo: the real capture form (the widget's own component, posting to the public form API), the lead's
 * simulated phone, and the agent inbox beside them: the whole loop on one screen.
 */
import { useEffect, useState } from 'react';
import { CaptureForm } from '../../../widget/src/capture-form';
import { errorText, getLead, listForms, type FormRecord } from '../api';
import { DEMO_PHONE_KEY, SimulatedPhone } from '../components/simulated-phone';
import { Inbox } from './inbox-page';

export function DemoPage() {
  const [form, setForm] = useState<FormRecord | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [phone, setPhone] = useState<string | null>(() => sessionStorage.getItem(DEMO_PHONE_KEY));
  const [formKey, setFormKey] = useState(0);

  useEffect(() => {
    listForms().then(
      (forms) => {
        const first = forms.find((f) => f.active) ?? null;
        setForm(first);
        if (!first) setError('This tenant has no active form yet: create one on the Forms page.');
      },
      (err) => setError(errorText(err)),
    );
  }, []);

  const onSubmitted = async ({ leadId }: { leadId: string | null }) => {
    if (!leadId) return;
    try {
      const lead = await getLead(leadId);
      setPhone(lead.phone);
      sessionStorage.setItem(DEMO_PHONE_KEY, lead.phone);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div className="demo">
      <h1>Demo</h1>
      <p className="lede">Fill in the form as a lead. The first text lands on the lead’s phone; reply from it, and answer from the inbox.</p>
      <div className="demo-grid">
        <section className="website" aria-labelledby="demo-site">
          <h2 id="demo-site">Your website</h2>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {form && <CaptureForm key={`${form.id}-${formKey}`} formId={form.id} baseUrl={window.location.origin} onSubmitted={onSubmitted} />}
          {form && (
            <button className="link" onClick={() => setFormKey((k) => k + 1)}>
              Show the form again (another lead)
            </button>
          )}
        </section>
        <SimulatedPhone phone={phone} />
        <div className="demo-inbox">
          <Inbox headingLevel={2} compact />
        </div>
      </div>
    </div>
  );
}
