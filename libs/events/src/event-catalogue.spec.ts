import { AUDIT_ACTIONS, PLATFORM_EVENT_TYPES, type PlatformEventType } from './event-catalogue';

// Every type of the payload map is in the list and the other way round: the compiler fails this file otherwise.
type Missing = Exclude<PlatformEventType, (typeof PLATFORM_EVENT_TYPES)[number]>;
const everyTypeListed: Missing extends never ? true : Missing = true;

describe('the event catalogue', () => {
  it('lists every event type once, and only the types with a payload', () => {
    expect(everyTypeListed).toBe(true);
    expect(new Set(PLATFORM_EVENT_TYPES).size).toBe(PLATFORM_EVENT_TYPES.length);
  });

  it('keeps the names clients and webhooks see: area.event, in lower case', () => {
    for (const name of [...PLATFORM_EVENT_TYPES, ...AUDIT_ACTIONS]) expect(name).toMatch(/^[a-z_]+\.[a-z_]+$/);
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length);
  });
});
