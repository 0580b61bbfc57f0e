-- Offices are held in each replica's memory (wurao_common.mirror): every change of one is announced.
CREATE TRIGGER offices_changed AFTER INSERT OR UPDATE OR DELETE ON offices
    FOR EACH ROW EXECUTE FUNCTION wurao_row_changed('id');
CREATE TRIGGER offices_truncated AFTER TRUNCATE ON offices
    FOR EACH STATEMENT EXECUTE FUNCTION wurao_row_changed();
