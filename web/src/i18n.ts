// Chinese first, English on request; the choice is remembered on this device. Small on purpose: the scan page
// must stay light on a weak connection.
import { Locale } from 'vant';
import enUS from 'vant/es/locale/lang/en-US';
import zhCN from 'vant/es/locale/lang/zh-CN';
import { computed, ref } from 'vue';
import { messages, type MessageKey } from './messages';

export type Lang = 'zh' | 'en';
const stored = typeof localStorage !== 'undefined' ? localStorage.getItem('wurao.lang') : null;
export const lang = ref<Lang>(stored === 'en' ? 'en' : 'zh');

function apply(value: Lang): void {
  document.documentElement.lang = value === 'zh' ? 'zh-CN' : 'en';
  Locale.use(value === 'zh' ? 'zh-CN' : 'en-US', value === 'zh' ? zhCN : enUS);
}
apply(lang.value);

export function setLang(value: Lang): void {
  lang.value = value;
  localStorage.setItem('wurao.lang', value);
  apply(value);
}

/** The message in the current language; `{name}` placeholders are filled from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text: string = messages[lang.value][key] ?? messages.zh[key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

export const otherLang = computed(() => (lang.value === 'zh' ? { code: 'en' as Lang, label: 'English' } : { code: 'zh' as Lang, label: '中文' }));

/** An enum value of the API in words (the messages' `Enum.VALUE` keys); one the app does not know yet, as sent. */
export function label(kind: string, value: string): string {
  const key = `${kind}.${value}`;
  return key in messages.zh ? t(key as MessageKey) : value;
}

/** A government level of the API (province, city, county) in words. */
export const levelWord = (level: string): string =>
  ({ province: t('levelProvince'), city: t('levelCity'), county: t('levelCounty') })[level] ?? level;

/** A moment in China time, whatever the browser's zone: the platform's dates are Hunan's. */
export const chinaTime = (at: string): string =>
  new Date(at).toLocaleString(lang.value === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' });

/** A day in China (YYYY-MM-DD), whatever the browser's zone: deadlines, plans and figures follow China's calendar, as
 * the API does. */
export const chinaDate = (at: Date = new Date()): string => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(at);

/** The year in China now (see chinaDate). */
export const chinaYear = (now: Date = new Date()): number => Number(chinaDate(now).slice(0, 4));
