import vue from '@vitejs/plugin-vue';
import { VantResolver } from '@vant/auto-import-resolver';
import Components from 'unplugin-vue-components/vite';
import { defineConfig } from 'vite';

// Vant components (and only their own CSS) are imported where a template uses them, so the scan page does not
// carry the console's or the dashboard's components; those pages are separate chunks loaded on demand.
export default defineConfig({
  plugins: [vue(), Components({ resolvers: [VantResolver()], dts: false })],
  build: { target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 1200 },
});
