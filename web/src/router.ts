import { watch } from 'vue';
import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import ScanPage from './pages/ScanPage.vue';
import { expired, session } from './session';

// The scan page is in the first chunk (it is what a QR code opens); everything else loads when visited.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/console' },
    { path: '/s/:token', component: ScanPage, props: true },
    { path: '/signin', component: () => import('./pages/SignIn.vue') },
    { path: '/tasks', component: () => import('./pages/UnitTasks.vue') },
    {
      path: '/console',
      meta: { signIn: true },
      component: () => import('./console/ConsoleLayout.vue'),
      children: [
        { path: '', redirect: '/console/plans' },
        { path: 'plans', component: () => import('./console/PlansPage.vue') },
        { path: 'items', component: () => import('./console/ItemsPage.vue') },
        { path: 'items/:id/timeline', component: () => import('./console/ItemTimeline.vue'), props: true },
        { path: 'visits', component: () => import('./console/VisitsPage.vue') },
        { path: 'tasks', component: () => import('./console/TasksPage.vue') },
        { path: 'complaints', component: () => import('./console/ComplaintsPage.vue') },
      ],
    },
    { path: '/console/items/:id/sheet', meta: { signIn: true }, component: () => import('./console/CodeSheet.vue'), props: true },
    { path: '/dashboard', meta: { signIn: true }, component: () => import('./pages/DashboardPage.vue') },
    { path: '/:rest(.*)*', component: () => import('./pages/NotFound.vue') },
  ],
});

// The console, a code sheet and the dashboard are for signed-in people: without a session (never signed in, or
// its token expired, even while a page is open) they go to sign-in, and come back after it.
const needsSignIn = (route: RouteLocationNormalized) => route.matched.some((record) => record.meta.signIn);
const signInFor = (route: RouteLocationNormalized) => ({ path: '/signin', query: { next: route.fullPath } });
router.beforeEach((to) => (needsSignIn(to) && !session.value ? signInFor(to) : true));
watch(expired, (now) => {
  const here = router.currentRoute.value;
  if (now && needsSignIn(here)) void router.replace(signInFor(here));
});
