/** Browser-test fixture: the CaptureForm component on a React 19 page (real React, no shadow root). */
import { createRoot } from 'react-dom/client';
import { CaptureForm } from '../src/capture-form';

declare global {
  interface Window {
    tandemSubmitted?: { submissionId: string | null; leadId: string | null };
  }
}

const root = document.getElementById('root') as HTMLElement;
createRoot(root).render(
  <CaptureForm formId="demo" baseUrl={root.dataset.base ?? ''} onSubmitted={(ids) => (window.tandemSubmitted = ids)} />,
);
