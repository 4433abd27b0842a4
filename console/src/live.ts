/**
 * One Server-Sent Events stream (GET /api/v1/events) shared by every view. Components subscribe to it and
 * refetch what changed; the database stays the truth, an event only says "look again".
 */
import { useEffect, useRef, useState } from 'react';

export interface LiveEvent {
  type: string;
  conversationId?: string;
  leadId?: string;
  at: string;
}

const TYPES = [
  'conversation.updated',
  'message.created',
  'message.received',
  'message.updated',
  'message.queued',
  'lead.updated',
  'lead.captured',
  'lead.crm_sync',
  'note.added',
];

type Listener = (e: LiveEvent) => void;
const listeners = new Set<Listener>();
let source: EventSource | null = null;
let statusListeners = new Set<(connected: boolean) => void>();

function open(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/v1/events', { withCredentials: true });
  const deliver = (ev: MessageEvent) => {
    let data: LiveEvent;
    try {
      data = { type: ev.type, ...(JSON.parse(ev.data) as Omit<LiveEvent, 'type'>) };
    } catch {
      return;
    }
    for (const l of [...listeners]) l(data);
  };
  for (const t of TYPES) source.addEventListener(t, deliver as EventListener);
  source.onmessage = deliver;
  source.onopen = () => statusListeners.forEach((l) => l(true));
  source.onerror = () => statusListeners.forEach((l) => l(false));
}

/** Closes the stream (sign-out). */
export function closeLive(): void {
  source?.close();
  source = null;
  statusListeners = new Set();
}

/** Calls `onEvent` for each live event while the component is mounted. */
export function useLive(onEvent: Listener): void {
  const ref = useRef(onEvent);
  ref.current = onEvent;
  useEffect(() => {
    open();
    const l: Listener = (e) => ref.current(e);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
}

/** Whether the live stream is connected (shown in the header). */
export function useLiveStatus(): boolean {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    open();
    statusListeners.add(setConnected);
    return () => {
      statusListeners.delete(setConnected);
    };
  }, []);
  return connected;
}
