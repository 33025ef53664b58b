-- The platform's own catalog of tenants (8.1.1a: operating data, kept apart from any tenant's entrusted
-- data). The tenant grain's persisted state is the authority; this table is its searchable index, written
-- by the grain after its state, and repaired by the grain when the two disagree.
CREATE SCHEMA IF NOT EXISTS platform;

CREATE TABLE IF NOT EXISTS platform.tenant_catalog
(
    tenant_id    text        NOT NULL PRIMARY KEY
                             CONSTRAINT tenant_catalog_id_format CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    display_name text        NOT NULL CONSTRAINT tenant_catalog_name_length CHECK (char_length(display_name) BETWEEN 1 AND 200),
    status       text        NOT NULL CONSTRAINT tenant_catalog_status CHECK (status IN ('active', 'throttled', 'frozen', 'terminated')),
    created_at   timestamptz NOT NULL,
    created_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL
);
