import { resolveSettings } from '../tenants/tenant-settings';
import { openerAutonomy } from './ai-turn.job';

describe('who decides on the opener', () => {
  it('asks an agent in copilot by default, as copilot promises', () => {
    expect(resolveSettings({}).copilotSendsOpener).toBe(false);
    expect(openerAutonomy('copilot', false)).toBe('copilot');
  });

  it('sends at once in copilot when the tenant chose speed to lead', () => {
    expect(openerAutonomy('copilot', true)).toBe('autopilot');
  });

  it('never lets the setting override off or change autopilot', () => {
    expect(openerAutonomy('off', true)).toBe('off');
    expect(openerAutonomy('autopilot', false)).toBe('autopilot');
  });
});
