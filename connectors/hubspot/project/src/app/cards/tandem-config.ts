/**
 * Where the card's `hubspot.fetch` calls go. Written by `tsx manifests/hubspot/render.ts <PUBLIC_URL>`;
 * it must also be listed in app-hsmeta.json `permittedUrls.fetch` (the same script writes both).
 */
export const TANDEM_BASE_URL = "https://tandem.example.com";
