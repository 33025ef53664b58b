-- Where each tenant's entrusted data lives (16.1.7e: the region it chose at creation) and in which schema of
-- that region's database (8.2.3a). Operating data of the platform: it names the storage, it holds none of it.
CREATE TABLE platform.tenant_storage
(
    tenant_id      text        NOT NULL PRIMARY KEY
                               CONSTRAINT tenant_storage_id_format CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    region         text        NOT NULL CONSTRAINT tenant_storage_region_format CHECK (region ~ '^[a-z]{2}-[a-z0-9]{2,20}$'),
    schema_name    text        NOT NULL UNIQUE,
    state          text        NOT NULL CONSTRAINT tenant_storage_state CHECK (state IN ('provisioning', 'provisioned', 'terminated')),
    requested_at   timestamptz NOT NULL,
    provisioned_at timestamptz NULL,
    terminated_at  timestamptz NULL
);

CREATE INDEX tenant_storage_region ON platform.tenant_storage (region, tenant_id);
