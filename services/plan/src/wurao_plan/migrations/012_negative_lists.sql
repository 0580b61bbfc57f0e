-- The negative list (负面清单), versioned; each version is the whole list as published.
CREATE TABLE negative_lists (
    version      int PRIMARY KEY CHECK (version >= 1),
    entries      jsonb NOT NULL CHECK (jsonb_typeof(entries) = 'array'),
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by text NOT NULL
);
