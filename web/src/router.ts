import { createRouter, createWebHistory } from 'vue-router';
import ScanPage from './pages/ScanPage.vue';

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
    { path: '/console/items/:id/sheet', component: () => import('./console/CodeSheet.vue'), props: true },
    { path: '/dashboard', component: () => import('./pages/DashboardPage.vue') },
    { path: '/:rest(.*)*', component: () => import('./pages/NotFound.vue') },
  ],
});
