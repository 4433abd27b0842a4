import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The card package carries exact copies of the view contract; a drift would silently break the card. */
describe('HubSpot card copy of the conversation view contract', () => {
  const root = join(__dirname, '..', '..');
  it.each([
    ['core/domain/types.ts', 'connectors/hubspot/project/src/app/cards/types/types.ts'],
    ['core/domain/conversation-view.ts', 'connectors/hubspot/project/src/app/cards/types/conversation-view.ts'],
  ])('%s is copied unchanged to %s', (source, copy) => {
    expect(readFileSync(join(root, copy), 'utf8')).toBe(readFileSync(join(root, source), 'utf8'));
  });
});
