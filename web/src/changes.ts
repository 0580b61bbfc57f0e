// The pages' state-changing requests. A double tap or click, or trying again after an answer was lost, must make a
// change once: a change never starts while it is already under way, and it names itself to the API with a request
// id that stays the same until the change is made (the API answers a repeated id with the first result and changes
// nothing again). A mutation without a requestId argument has the first of these only.
import { reactive } from 'vue';

function newRequestId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** A page's changes, each named by a key that says what it does to what (`submit:<task id>`). */
export function useChanges() {
  const running = reactive(new Set<string>());
  const ids = new Map<string, string>();

  /** Runs `change` unless change `key` is under way: a second tap meanwhile does nothing. `change` gets the change's
   * request id and answers true once the change is made; until then every try sends the same id, and after it the
   * next change under the same key (a task submitted again after it was sent back) gets a new one. */
  async function run(key: string, change: (requestId: string) => Promise<boolean | void>): Promise<void> {
    if (running.has(key)) return;
    running.add(key);
    try {
      const requestId = ids.get(key) ?? newRequestId();
      ids.set(key, requestId);
      if (await change(requestId)) ids.delete(key);
    } finally {
      running.delete(key);
    }
  }

  /** Whether change `key` is under way: its button shows it is busy. */
  const busy = (key: string): boolean => running.has(key);

  return { run, busy };
}
