/**
 * Twilio adapter for the SmsProvider port, on the official `twilio` library (v6). Only this folder imports
 * `twilio`.
 */
import twilio from 'twilio';
import { SmsProviderError, type OutboundSms, type SmsProvider, type SmsSendResult } from '../../../ports/sms-provider.port';
import { maskPhonesIn } from './mask';

export interface TwilioSmsProviderConfig {
  accountSid: string;
  authToken: string;
  /** Preferred sender: a Messaging Service picks the number (A2P 10DLC campaigns live there). */
  messagingServiceSid?: string | null;
  /** Sender number when there is no Messaging Service (E.164). */
  fromNumber?: string | null;
  /**
   * Where the Twilio REST API lives, default https://api.twilio.com. Set it to a local fake for tests and
   * demos: every request's origin is rewritten to it, path and query kept.
   */
  baseUrl?: string | null;
  /** Default status callback when a text does not carry its own. */
  statusCallbackUrl?: string | null;
  /** Request timeout, default 15 s. */
  timeoutMs?: number;
  /** Keep-alive sockets; off by default (nock 14 hangs on keep-alive, and sends are not hot enough to need it). */
  keepAlive?: boolean;
}

type TwilioRequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>['request']>[0];

/**
 * twilio 6 has no base-URL option: `edge`/`region` only rewrite *.twilio.com host names. A RequestClient
 * that swaps the origin is the supported seam (the client takes `httpClient`), and it covers every
 * Twilio domain the library may call.
 */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly base: URL,
    opts: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(opts);
  }

  override request<TData>(opts: TwilioRequestOptions & { data?: TData }) {
    const original = new URL(opts.uri);
    const rebased = new URL(this.base.href.replace(/\/+$/, '') + original.pathname + original.search);
    return super.request({ ...opts, uri: rebased.href });
  }
}

const SEND_STATUS: Record<string, SmsSendResult['status']> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
};

/** Twilio error codes that mean "try again later". Everything else 4xx is final. */
const RETRYABLE_CODES = new Set(['20429', '20500', '20503']);

/** Sends texts through Twilio's Messages API. */
export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio';
  private readonly client: twilio.Twilio;

  constructor(private readonly config: TwilioSmsProviderConfig) {
    if (!/^AC[0-9a-fA-F]{32}$/.test(config.accountSid ?? '')) {
      throw new TypeError('TwilioSmsProvider: accountSid must look like AC followed by 32 hex characters');
    }
    if (!config.authToken) throw new TypeError('TwilioSmsProvider: authToken is required');
    if (config.messagingServiceSid && !/^MG[0-9a-fA-F]{32}$/.test(config.messagingServiceSid)) {
      throw new TypeError('TwilioSmsProvider: messagingServiceSid must look like MG followed by 32 hex characters');
    }
    const clientOpts = { timeout: config.timeoutMs ?? 15_000, keepAlive: config.keepAlive ?? false, autoRetry: false };
    const httpClient = config.baseUrl
      ? new RebasedRequestClient(parseBaseUrl(config.baseUrl), clientOpts)
      : new twilio.RequestClient(clientOpts);
    this.client = twilio(config.accountSid, config.authToken, { httpClient, ...clientOpts });
  }

  /**
   * Sends one text. Sender: the text's own `from`, else the Messaging Service, else `fromNumber`.
   * Throws SmsProviderError with Twilio's code: 21610 (recipient replied STOP to this sender: mark the lead
   * opted out) and 21211 (invalid number) are final; 429, 5xx and network failures are retryable.
   */
  async send(sms: OutboundSms): Promise<SmsSendResult> {
    const from = sms.from ?? (this.config.messagingServiceSid ? null : (this.config.fromNumber ?? null));
    if (!from && !this.config.messagingServiceSid) {
      throw new SmsProviderError('Twilio: no sender: set messagingServiceSid or fromNumber', null, false);
    }
    const statusCallback = sms.statusCallbackUrl ?? this.config.statusCallbackUrl ?? undefined;
    try {
      const message = await this.client.messages.create({
        to: sms.to,
        body: sms.body,
        ...(from ? { from } : { messagingServiceSid: this.config.messagingServiceSid! }),
        ...(statusCallback ? { statusCallback } : {}),
      });
      return { providerMessageId: message.sid, status: SEND_STATUS[message.status] ?? 'queued' };
    } catch (error) {
      throw toSmsProviderError(error);
    }
  }
}

/** Maps a twilio-node failure to the port's error; phone numbers in Twilio's messages are masked. */
export function toSmsProviderError(error: unknown): SmsProviderError {
  if (error instanceof SmsProviderError) return error;
  const e = error as { status?: unknown; code?: unknown; message?: unknown; moreInfo?: unknown };
  const message = maskPhonesIn(typeof e?.message === 'string' ? e.message : String(error));
  if (typeof e?.status === 'number') {
    // A RestException: HTTP status plus Twilio's own numeric code.
    const code = e.code !== undefined && e.code !== null ? String(e.code) : null;
    const retryable = e.status === 429 || e.status >= 500 || (code !== null && RETRYABLE_CODES.has(code));
    return new SmsProviderError(`Twilio ${e.status}${code ? ` (${code})` : ''}: ${message}`, code ?? String(e.status), retryable);
  }
  // No HTTP answer at all (refused, reset, timeout, DNS): the request may not have reached Twilio.
  const networkCode = typeof e?.code === 'string' ? e.code : null;
  return new SmsProviderError(`Twilio unreachable${networkCode ? ` (${networkCode})` : ''}: ${message}`, null, true);
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`TwilioSmsProvider: baseUrl "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`TwilioSmsProvider: baseUrl must be http(s), got ${url.protocol}`);
  }
  return url;
}
