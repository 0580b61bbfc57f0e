-- Plan's facts a scan is judged on are held in each replica's memory (wurao_inspection.adapters.held): every
-- change of a coded item, a revocation, an office, a unit or a cap policy is announced.
CREATE TRIGGER items_changed AFTER INSERT OR UPDATE OR DELETE ON items
    FOR EACH ROW EXECUTE FUNCTION wurao_row_changed('id');
CREATE TRIGGER revocations_changed AFTER INSERT OR UPDATE OR DELETE ON revocations
    FOR EACH ROW EXECUTE FUNCTION wurao_row_changed('item_id');
CREATE TRIGGER offices_changed AFTER INSERT OR UPDATE OR DELETE ON offices
    FOR EACH ROW EXECUTE FUNCTION wurao_row_changed('id');
CREATE TRIGGER units_changed AFTER INSERT OR UPDATE OR DELETE ON units
    FOR EACH ROW EXECUTE FUNCTION wurao_row_changed('id');
CREATE TRIGGER cap_policies_changed AFTER INSERT OR UPDATE OR DELETE ON cap_policies
    FOR EACH ROW EXECUTE FUNCTION wurao_row_changed('version');
CREATE TRIGGER items_truncated AFTER TRUNCATE ON items FOR EACH STATEMENT EXECUTE FUNCTION wurao_row_changed();
CREATE TRIGGER revocations_truncated AFTER TRUNCATE ON revocations
    FOR EACH STATEMENT EXECUTE FUNCTION wurao_row_changed();
CREATE TRIGGER offices_truncated AFTER TRUNCATE ON offices FOR EACH STATEMENT EXECUTE FUNCTION wurao_row_changed();
CREATE TRIGGER units_truncated AFTER TRUNCATE ON units FOR EACH STATEMENT EXECUTE FUNCTION wurao_row_changed();
CREATE TRIGGER cap_policies_truncated AFTER TRUNCATE ON cap_policies
    FOR EACH STATEMENT EXECUTE FUNCTION wurao_row_changed();
