-- Units at or near a cap were stored as each month's state (a row for every month left in the year, per scope);
-- they are now stored as the state's changes (a month's state is the sum of the year's months up to it), so a
-- visit writes one row per scope when a unit's standing changes. Rewrites the rows 003's code wrote.
CREATE TEMP TABLE cap_standing_changes ON COMMIT DROP AS
WITH standings AS (
    SELECT DISTINCT scope_kind, scope_id, year, metric FROM figures
    WHERE metric IN ('caps.units_at_cap', 'caps.units_near_cap')
), every_month AS (
    SELECT s.scope_kind, s.scope_id, s.year, s.metric, m.month::smallint AS month, coalesce(f.value, 0) AS value
    FROM standings s
    CROSS JOIN generate_series(1, 12) AS m (month)
    LEFT JOIN figures f USING (scope_kind, scope_id, year, metric, month)
)
SELECT scope_kind, scope_id, year, month, metric,
       value - coalesce(lag(value) OVER (PARTITION BY scope_kind, scope_id, year, metric ORDER BY month), 0) AS value
FROM every_month;

DELETE FROM figures WHERE metric IN ('caps.units_at_cap', 'caps.units_near_cap');

INSERT INTO figures (scope_kind, scope_id, year, month, metric, value)
SELECT scope_kind, scope_id, year, month, metric, value FROM cap_standing_changes WHERE value <> 0;
