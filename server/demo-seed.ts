import type { TenantSettings } from '../core/index';

/**
 * What the embedded demo tenant knows, so the offline AI can answer real questions in the console
 * (prices, hours, tours) instead of handing every one to a person; and the opener goes out at once,
 * so a newcomer sees speed to lead with their own form fill.
 */
export const DEMO_SETTINGS: Partial<TenantSettings> = {
  businessName: 'Tandem Demo Realty',
  autonomy: 'copilot',
  copilotSendsOpener: true,
  brandVoice: 'Warm, brief and helpful. Plain words, no jargon. Sign off as the Tandem Demo Realty team.',
  knowledge: [
    {
      id: 'pricing',
      title: 'Pricing and fees',
      body: 'Working with a buyer agent costs you nothing: the seller pays the commission. Listing a home with us costs 2.5% of the sale price, with no upfront fees. A home valuation is free.',
    },
    { id: 'hours', title: 'Office hours', body: 'We are open Monday to Saturday, 9am to 6pm.' },
    { id: 'tours', title: 'Tours', body: 'We can book a home tour the same week, any day including Saturdays.' },
  ],
};
