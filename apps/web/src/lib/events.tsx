// The caller's live events over Server-Sent Events. The session cookie goes with the same-origin
// EventSource, so no ticket is needed; the browser reconnects by itself with Last-Event-ID, and the API
// replays what was missed.
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { API_PREFIX } from './api';

export interface LiveEvent {
  type: string;
  subjectId?: string;
  payload?: Record<string, unknown>;
}

type Listener = (event: LiveEvent) => void;

/** Every type the API sends that the console reacts to. */
const EVENT_TYPES = [
  'run.queued',
  'run.started',
  'run.progress',
  'run.succeeded',
  'run.failed',
  'run.timed_out',
  'run.cancelled',
  'dataset.uploaded',
  'dataset.ready',
  'dataset.ingested',
  'dataset.failed',
  'dataset.deleted',
  'submission.awaiting_review',
  'submission.check_failed',
  'submission.published',
  'submission.rejected',
  'analysis.suspended',
];

interface EventsState {
  subscribe: (listener: Listener) => () => void;
  connected: boolean;
}

const EventsContext = createContext<EventsState | undefined>(undefined);

export function EventsProvider({ children, enabled }: { children: ReactNode; enabled: boolean }) {
  const listeners = useRef(new Set<Listener>());
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource(`${API_PREFIX}/events`);
    const deliver = (message: MessageEvent<string>) => {
      let event: LiveEvent;
      try {
        event = JSON.parse(message.data) as LiveEvent;
      } catch {
        return;
      }
      for (const listener of listeners.current) listener(event);
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, deliver);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    return () => {
      source.close();
      setConnected(false);
    };
  }, [enabled]);

  const state = useRef<EventsState>({
    subscribe: (listener) => {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
    connected: false,
  });
  return <EventsContext.Provider value={{ ...state.current, connected }}>{children}</EventsContext.Provider>;
}

/** Calls `listener` with every live event while the component is mounted. */
export function useLiveEvents(listener: Listener): boolean {
  const state = useContext(EventsContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => state?.subscribe((event) => latest.current(event)), [state]);
  return state?.connected ?? false;
}
