/**
 * The form's stylesheet, built from the tenant's styling tokens. Every selector is scoped under
 * .tandem-form so nothing leaks out when the React component renders without a shadow root; in the
 * script embed it lives inside the shadow root, where page styles cannot reach it. The root sets every
 * inherited property explicitly, because inheritance is the one thing that crosses a shadow boundary.
 */
import type { FormStyling } from '../../core/forms/form-definition';

/** Stylesheet text for a form with these tokens (already validated server-side: hex colours, safe font list). */
export function formCss(s: FormStyling): string {
  const c = s.colors;
  return `.tandem-form{--bg:${c.background};--tx:${c.text};--mu:${c.muted};--pr:${c.primary};--pt:${c.primaryText};--bd:${c.border};--er:${c.error};--fo:${c.focus};--r:${s.radiusPx}px;--s:${s.spacingPx}px;
box-sizing:border-box;display:block;max-width:36em;margin:0;padding:calc(var(--s)*1.5);background:var(--bg);color:var(--tx);font-family:${s.fontFamily};font-size:${s.fontSizePx}px;font-weight:400;font-style:normal;line-height:1.5;letter-spacing:normal;word-spacing:normal;text-align:left;text-indent:0;text-transform:none;text-shadow:none;white-space:normal;direction:ltr;visibility:visible;cursor:auto;border-radius:var(--r)}
.tandem-form *,.tandem-form ::before,.tandem-form ::after{box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit;letter-spacing:inherit}
.tandem-form h2{font-size:1.3em;font-weight:700;line-height:1.25;margin-bottom:calc(var(--s)/2)}
.tandem-form .tf-desc,.tandem-form .tf-note{margin-bottom:var(--s)}
.tandem-form .tf-note,.tandem-form .tf-help{color:var(--mu);font-size:.875em}
.tandem-form .tf-field{margin-bottom:var(--s);border:0;min-width:0}
.tandem-form label,.tandem-form legend{display:block;font-weight:600;margin-bottom:4px}
.tandem-form .tf-help{margin-bottom:4px}
.tandem-form input,.tandem-form select,.tandem-form textarea{display:block;width:100%;min-height:44px;padding:8px 12px;background:var(--bg);color:var(--tx);border:1px solid var(--bd);border-radius:var(--r);appearance:auto}
.tandem-form textarea{min-height:6em;resize:vertical}
.tandem-form [aria-invalid=true]{border:2px solid var(--er)}
.tandem-form :focus-visible{outline:3px solid var(--fo);outline-offset:2px}
.tandem-form .tf-error{color:var(--er);font-size:.875em;font-weight:600;margin-top:4px}
.tandem-form .tf-choice{display:flex;gap:10px;align-items:flex-start;margin-top:6px;font-weight:400}
.tandem-form .tf-choice input{width:22px;height:22px;min-height:0;flex:none;margin-top:1px;padding:0;accent-color:var(--pr)}
.tandem-form .tf-choice label{font-weight:400;margin:0}
.tandem-form .tf-consent{font-size:.9375em}
.tandem-form button{display:block;width:100%;min-height:44px;padding:10px 20px;background:var(--pr);color:var(--pt);border:0;border-radius:var(--r);font-weight:700;cursor:pointer}
.tandem-form button:disabled{cursor:progress;opacity:.75}
.tandem-form .tf-alert{color:var(--er);border:2px solid var(--er);border-radius:var(--r);padding:8px 12px;margin-bottom:var(--s);font-weight:600}
.tandem-form .tf-success{font-size:1.1em;font-weight:600;padding:var(--s) 0}
.tandem-form .tf-sr,.tandem-form .tf-hp{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.tandem-form .tf-hp{left:-10000px}
.tandem-form .tf-req{color:var(--er)}`;
}

/** Extra rules for the shadow host: the inner context's !important beats the page's, so a hostile
 * `* { ... !important }` cannot reach the host either. */
export const HOST_CSS = ':host{all:initial!important;display:block!important}';
