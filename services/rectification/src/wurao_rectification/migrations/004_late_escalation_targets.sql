-- Escalations sent before plan announced their region's supervision office: found by region when it is announced.
CREATE INDEX task_notices_unaddressed ON task_notices (target_region) WHERE target_office_id IS NULL AND level > 0;
