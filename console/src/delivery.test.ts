import { deliveryOf } from './delivery';

describe('deliveryOf', () => {
  it('shows the status alone when nothing is wrong', () => {
    expect(deliveryOf({ status: 'delivered', errorCode: null })).toBe('delivered');
  });

  it('says why a text is still sending when the provider left its outcome open', () => {
    expect(deliveryOf({ status: 'sending', errorCode: 'outcome_unknown' })).toBe(
      'sending: the provider did not answer; checking whether it took the text before any resend',
    );
    expect(deliveryOf({ status: 'sending', errorCode: 'provider_message_not_found' })).toBe(
      'sending: the provider no longer knows this text; its delivery cannot be confirmed',
    );
    expect(deliveryOf({ status: 'sending', errorCode: 'status_unknown' })).toBe('sending: the provider has reported no delivery after 12 hours of asking');
  });

  it('names a provider’s numeric error, a gate’s reason, and an unknown code as it is', () => {
    expect(deliveryOf({ status: 'undelivered', errorCode: '30007' })).toBe('undelivered: provider error 30007');
    expect(deliveryOf({ status: 'blocked', errorCode: 'opted_out' })).toBe('blocked: the lead opted out');
    expect(deliveryOf({ status: 'failed', errorCode: 'carrier_rejected' })).toBe('failed: carrier rejected');
  });
});
