// The pages' state-changing requests. A double tap or click, or trying again after an answer was lost, must make a
// change once: a change never starts while it is already under way, and it names itself to the API with a request
// id that stays the same until the change is made (the API answers a repeated id with the first result and changes
// nothing again). A mutation without a requestId argument has the first of these only.
import { reactive, type Ref } from 'vue';
import { t } from './i18n';

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

/** What a mutation answers: the changed object, or a refusal saying why (a typed result of the API). */
export interface Answer {
  __typename: string;
  reason?: string;
  field?: string;
}
const REFUSALS = ['NotAllowed', 'InvalidInput', 'Conflict', 'CeilingExceeded'];

/** A page's changes whose mutations answer typed results (see useChanges): a refusal's reason, or why the request
 * failed, goes to `problem`; after every try the page reads its rows again (`refresh`), to show them as they stand. */
export function useTypedChanges(problem: Ref<string>, refresh: () => Promise<unknown>) {
  const { run, busy } = useChanges();

  function change(key: string, action: (requestId: string) => Promise<Answer>): Promise<void> {
    return run(key, async (requestId) => {
      problem.value = '';
      let made = false;
      try {
        const answer = await action(requestId);
        made = !REFUSALS.includes(answer.__typename);
        if (!made) problem.value = t('failed', { reason: [answer.field, answer.reason].filter(Boolean).join(': ') || answer.__typename });
      } catch (error) {
        problem.value = t('failed', { reason: (error as Error).message });
      }
      await refresh();
      return made;
    });
  }

  return { change, busy };
}
