import './style.css';
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';

createApp(App).use(router).mount('#app');
// The CJK web font (for browsers without Chinese fonts, headless ones included) loads after the first paint,
// so it never holds the page back; the text re-renders in it when it arrives (font-display: swap).
void import('@fontsource/noto-sans-sc/400.css');
