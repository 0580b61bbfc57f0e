import './style.css';
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';

createApp(App).use(router).mount('#app');

// The CJK web font (for browsers without Chinese fonts, headless ones included) loads once the page and its
// first requests are done, so that on a weak connection it never competes with the verdict; the text then
// re-renders in it (font-display: swap).
const loadFont = () => void import('@fontsource/noto-sans-sc/400.css');
window.addEventListener('load', () => ('requestIdleCallback' in window ? requestIdleCallback(loadFont, { timeout: 2000 }) : setTimeout(loadFont, 300)), { once: true });
