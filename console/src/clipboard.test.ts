import { copyText } from './clipboard';

describe('copyText', () => {
  it('copies with the Clipboard API when it is there and allowed', async () => {
    const written: string[] = [];
    await expect(copyText('tdm_x', { writeText: async (t: string) => void written.push(t) })).resolves.toBe(true);
    expect(written).toEqual(['tdm_x']);
  });
  it('answers false when the API is missing or refuses, so the page can ask for a manual copy', async () => {
    await expect(copyText('tdm_x', undefined)).resolves.toBe(false);
    await expect(copyText('tdm_x', { writeText: () => Promise.reject(new DOMException('Document is not focused.', 'NotAllowedError')) })).resolves.toBe(false);
  });
});
