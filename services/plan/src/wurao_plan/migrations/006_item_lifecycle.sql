-- Items of rejected filings; why an item was cancelled; whether rectification tasks for it are open.
ALTER TABLE items DROP CONSTRAINT items_status_check;
ALTER TABLE items ADD CONSTRAINT items_status_check CHECK (status IN (
    'draft', 'approved', 'coded', 'active', 'completed', 'revoked', 'cancelled', 'rejected'));
ALTER TABLE items
    ADD COLUMN cancel_reason      text,
    ADD COLUMN rectification_open boolean NOT NULL DEFAULT false;
CREATE INDEX items_status ON items (status);
