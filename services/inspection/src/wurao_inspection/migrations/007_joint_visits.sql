-- Joint inspections (联合检查): one occasion at a unit under the codes of several items. Each item keeps its own
-- visit row (findings, completion and the item's story stay per item); the joint visit holds what the occasion
-- shares: who led it, who was present, the request id it was admitted under. Cap counters count the occasion
-- once (coalesce(joint_visit_id, id) is what they mark and count).
CREATE TABLE joint_visits (
    id            uuid PRIMARY KEY,
    unit_id       text NOT NULL,
    unit_region   text NOT NULL,
    inspected_at  timestamptz NOT NULL,
    registered_by text NOT NULL,
    lead          jsonb NOT NULL,
    present       jsonb NOT NULL,
    request_id    text,
    UNIQUE (unit_id, request_id)
);
CREATE INDEX joint_visits_unit_region ON joint_visits (unit_region text_pattern_ops);

ALTER TABLE visits ADD COLUMN joint_visit_id uuid REFERENCES joint_visits (id);
ALTER TABLE visits ADD COLUMN counts_toward_unit boolean NOT NULL DEFAULT true;
-- The members of the item's inspection group who were present ([{id, name, title}]).
ALTER TABLE visits ADD COLUMN inspectors_present jsonb NOT NULL DEFAULT '[]';
CREATE INDEX visits_joint ON visits (joint_visit_id) WHERE joint_visit_id IS NOT NULL;
