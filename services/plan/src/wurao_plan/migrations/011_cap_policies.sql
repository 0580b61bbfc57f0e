-- Frequency cap policies (频次限制), versioned; a version is never changed, a new one supersedes it.
CREATE TABLE cap_policies (
    version                   int PRIMARY KEY CHECK (version >= 1),
    effective_from            date NOT NULL,
    province_per_year         int NOT NULL CHECK (province_per_year >= 1),
    city_per_year             int NOT NULL CHECK (city_per_year >= 1),
    county_per_year           int NOT NULL CHECK (county_per_year >= 1),
    across_levels_per_year    int NOT NULL CHECK (across_levels_per_year >= 1),
    default_per_item_per_unit int NOT NULL CHECK (default_per_item_per_unit >= 1),
    published_at              timestamptz NOT NULL DEFAULT now(),
    published_by              text NOT NULL
);
