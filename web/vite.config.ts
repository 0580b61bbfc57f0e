import vue from '@vitejs/plugin-vue';
import { VantResolver } from '@vant/auto-import-resolver';
import Components from 'unplugin-vue-components/vite';
import { defineConfig, type Plugin } from 'vite';

// Vant's icon font is inlined in its CSS (a data: woff2) with a fallback on Alibaba's CDN (at.alicdn.com), which the
// pages' Content-Security-Policy (font-src 'self' data:) blocks and Chromium asks for all the same: a CSP error on
// every page with an icon. The build drops the remote fallback, so the inlined font, in the app's own CSS, is the
// icons' only source; a Vant whose icon CSS names its sources otherwise fails the build rather than reach out again.
function vantIconsFromOwnOrigin(): Plugin {
  const remote = /,\s*url\((?:https?:)?\/\/[^)]*\)\s*format\([^)]*\)/g;
  return {
    name: 'wurao:vant-icons-from-own-origin',
    enforce: 'pre',
    transform(code, id) {
      if (!id.split('?')[0].endsWith('/vant/es/icon/index.css')) return null;
      const local = code.replace(remote, '');
      if (local === code || /url\((?:https?:)?\/\//.test(local)) this.error(`${id}: the icon font's sources changed (see vite.config.ts)`);
      return { code: local, map: null };
    },
  };
}

// Vant components (and only their own CSS) are imported where a template uses them, so the scan page does not
// carry the console's or the dashboard's components; those pages are separate chunks loaded on demand.
export default defineConfig({
  plugins: [vue(), Components({ resolvers: [VantResolver()], dts: false }), vantIconsFromOwnOrigin()],
  build: { target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 1200 },
});
