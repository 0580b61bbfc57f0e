-- One supervision office per region; a unit's name is unique in its region; regions searched by parent and name.
CREATE UNIQUE INDEX offices_one_supervision_per_region ON offices (region_code) WHERE kind = 'supervision';
ALTER TABLE units ADD CONSTRAINT units_name_in_region UNIQUE (region_code, name);
ALTER TABLE units ADD COLUMN created_by text;
ALTER TABLE offices ADD COLUMN created_by text;
