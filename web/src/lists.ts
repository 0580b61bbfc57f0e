// Each list the app pages through: its page size and how its API continues (paging.ts reads it a page at a time).
import { request } from './api';
import type { TasksQuery } from './gql/graphql';
import { Complaints, Filings, Items, ItemVisits, Plans, Regions, Tasks } from './operations';
import { afterLastRow, type ReadPage } from './paging';

export const readPlans = afterLastRow(50, async (first, after) => (await request(Plans, { first, after })).plans, (plan) => plan.id);

export const readFilings = afterLastRow(50, async (first, after) => (await request(Filings, { first, after })).filings, (filing) => filing.id);

export const readItems = afterLastRow(100, async (first, after) => (await request(Items, { first, after })).items, (item) => item.id);

export const readItemVisits = (itemId: string) =>
  afterLastRow(100, async (first, after) => (await request(ItemVisits, { itemId, first, after })).visits, (visit) => visit.id);

export const readComplaints = afterLastRow(100, async (first, after) => (await request(Complaints, { first, after })).complaints, (c) => c.id);

/** The regions below `parent`, by code (the dashboard's drill-down). */
export const readRegions = (parent: string) =>
  afterLastRow(200, async (first, after) => (await request(Regions, { parent, first, after })).regions, (region) => region.code);

/** Rectification tasks by deadline: the API hands out the next page's cursor itself. */
export const readTasks =
  (overdue: boolean): ReadPage<TasksQuery['tasks']['tasks'][number]> =>
  async (after) => {
    const { tasks, nextCursor } = (await request(Tasks, { overdue, first: 100, after })).tasks;
    return { rows: tasks, next: nextCursor ?? null };
  };
