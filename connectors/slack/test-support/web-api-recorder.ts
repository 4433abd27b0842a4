import nock from 'nock';
import { decodeSlackBody } from './harness';

/** One recorded Web API call. */
export interface RecordedSlackCall {
  method: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
  /** What the fake answered (chat.postMessage: the new message's ts). */
  response: Record<string, unknown>;
}

/**
 * A stand-in for Slack's Web API at `host` + `/api/`, answering every method like Slack would and
 * recording each call in order. For journeys where several jobs talk to Slack in an order the test
 * does not fix; assertions then look calls up by method and content.
 */
export class SlackWebApiRecorder {
  readonly calls: RecordedSlackCall[] = [];
  private tsSeq = 0;

  constructor(
    host: string,
    private readonly identity: { teamId: string; botUserId: string; botId: string; users: Record<string, { email: string }> },
  ) {
    const calls = this.calls;
    const answer = this.answer.bind(this);
    nock(host)
      .persist()
      .post(/^\/api\/[\w.]+$/)
      .reply(function (uri, raw) {
        const method = uri.replace(/^\/api\//, '');
        const body = decodeSlackBody(raw);
        const auth = this.req.headers.authorization;
        const response = answer(method, body);
        calls.push({ method, body, authorization: Array.isArray(auth) ? auth[0] : auth, response });
        return [200, response];
      });
  }

  private answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const { teamId, botUserId, botId, users } = this.identity;
    switch (method) {
      case 'auth.test':
        return { ok: true, team_id: teamId, user_id: botUserId, bot_id: botId, team: 'Acme', user: 'tandem' };
      case 'users.info': {
        const id = String(body.user);
        const user = users[id];
        return user ? { ok: true, user: { id, team_id: teamId, deleted: false, is_bot: false, profile: { email: user.email } } } : { ok: false, error: 'user_not_found' };
      }
      case 'chat.postMessage':
        this.tsSeq += 1;
        return { ok: true, channel: body.channel, ts: `1780000000.${String(this.tsSeq).padStart(6, '0')}`, message: {} };
      case 'chat.update':
        return { ok: true, channel: body.channel, ts: body.ts };
      default:
        return { ok: true };
    }
  }

  /** Calls to `method` matching `where`. */
  find(method: string, where: (body: Record<string, unknown>) => boolean = () => true): Array<Record<string, unknown>> {
    return this.calls.filter((c) => c.method === method && where(c.body)).map((c) => c.body);
  }
}
