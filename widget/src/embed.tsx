/**
 * Entry of widget.js, the script embed:
 *   <script src="https://HOST/widget.js" data-tandem-form="FORM_ID" async></script>
 * Renders the form where the tag stands (or into data-tandem-target), inside an open shadow root so no
 * CSS crosses in or out. The base URL is where the script came from, unless data-tandem-base says otherwise.
 * Built with react/react-dom aliased to preact/compat (see widget/build.ts).
 */
import { createRoot } from 'react-dom/client';
import { CaptureForm } from './capture-form';
import { HOST_CSS } from './styles';

function mount(script: HTMLScriptElement): void {
  const formId = script.dataset.tandemForm;
  if (!formId || script.dataset.tandemMounted) return;
  script.dataset.tandemMounted = 'true';
  const base = script.dataset.tandemBase || new URL('.', script.src).href;

  const target = script.dataset.tandemTarget ? document.querySelector(script.dataset.tandemTarget) : null;
  const host = document.createElement('div');
  host.setAttribute('data-tandem-host', formId);
  if (target) target.appendChild(host);
  else if (script.parentElement && script.parentElement !== document.head) script.parentElement.insertBefore(host, script);
  else document.body.appendChild(host);

  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = HOST_CSS;
  const container = document.createElement('div');
  shadow.append(style, container);
  createRoot(container).render(<CaptureForm formId={formId} baseUrl={base.replace(/\/+$/, '')} />);
}

function mountAll(): void {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) mount(current);
  document.querySelectorAll<HTMLScriptElement>('script[data-tandem-form]').forEach(mount);
}

// An async tag in <head> can run before <body> exists.
if (document.body) mountAll();
else document.addEventListener('DOMContentLoaded', mountAll);
