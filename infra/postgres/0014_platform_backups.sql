-- Backups (12.3.1a/b/c, 18.1.3a, 16.1.7e): two catalogues of the platform database, kept apart because the backups
-- are. A tenant backup holds one tenant's entrusted data only (12.3.1c), encrypted with that tenant's data key, on
-- its region's backup site with a copy at the paired region's site; a platform backup holds the platform's
-- configuration and operating catalogue, never any tenant's data or key material (12.3.1a). Both catalogues hold
-- metadata only: where an artifact is, its size and SHA-256, never a byte of what it contains.

-- 12.3.1b: every backup of a tenant, searchable per tenant, region and time.
CREATE TABLE platform.tenant_backups
(
    backup_id             uuid        NOT NULL PRIMARY KEY,
    tenant_id             text        NOT NULL
                                      CONSTRAINT tenant_backups_tenant_format CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    region                text        NOT NULL CONSTRAINT tenant_backups_region_format CHECK (region ~ '^[a-z]{2}-[a-z0-9]{2,20}$'),
    status                text        NOT NULL CONSTRAINT tenant_backups_status CHECK (status IN ('creating', 'completed', 'failed')),
    created_at            timestamptz NOT NULL,
    created_by            text        NOT NULL CONSTRAINT tenant_backups_created_by_length CHECK (char_length(created_by) BETWEEN 1 AND 200),
    completed_at          timestamptz NULL,
    -- The artifact: its path under the region's backup site, its size in bytes and its SHA-256 (lower-case hex).
    location              text        NOT NULL,
    size_bytes            bigint      NULL CONSTRAINT tenant_backups_size CHECK (size_bytes >= 0),
    sha256                text        NULL CONSTRAINT tenant_backups_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    -- What is needed to restore it: the region database's schema version it was taken at, and the version of the
    -- tenant's data key that encrypted it (the key itself stays with the key provider).
    region_schema_version integer     NULL,
    key_version           integer     NULL,
    -- Rows per table ({"records": 12, ...}) and the entrusted bytes (records and files) the tenant stored then.
    row_counts            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    data_bytes            bigint      NULL CONSTRAINT tenant_backups_data_bytes CHECK (data_bytes >= 0),
    -- 18.1.3a: the copy at the paired region's backup site, once its SHA-256 was verified there.
    copy_region           text        NULL,
    copy_location         text        NULL,
    copied_at             timestamptz NULL,
    copy_error            text        NULL CONSTRAINT tenant_backups_copy_error_length CHECK (char_length(copy_error) <= 500),
    failure               text        NULL CONSTRAINT tenant_backups_failure_length CHECK (char_length(failure) <= 500),
    CONSTRAINT tenant_backups_completed CHECK (status <> 'completed'
        OR (completed_at IS NOT NULL AND size_bytes IS NOT NULL AND sha256 IS NOT NULL AND key_version IS NOT NULL
            AND region_schema_version IS NOT NULL AND data_bytes IS NOT NULL)),
    CONSTRAINT tenant_backups_copy CHECK (copied_at IS NULL OR (copy_region IS NOT NULL AND copy_location IS NOT NULL))
);

CREATE INDEX tenant_backups_by_tenant ON platform.tenant_backups (tenant_id, created_at DESC, backup_id DESC);
CREATE INDEX tenant_backups_by_region ON platform.tenant_backups (region, created_at DESC, backup_id DESC);
CREATE INDEX tenant_backups_by_time ON platform.tenant_backups (created_at DESC, backup_id DESC);

-- 12.3.1a: backups of the platform's own configuration and catalogue, in a directory of their own.
CREATE TABLE platform.platform_backups
(
    backup_id               uuid        NOT NULL PRIMARY KEY,
    status                  text        NOT NULL CONSTRAINT platform_backups_status CHECK (status IN ('creating', 'completed', 'failed')),
    created_at              timestamptz NOT NULL,
    created_by              text        NOT NULL CONSTRAINT platform_backups_created_by_length CHECK (char_length(created_by) BETWEEN 1 AND 200),
    completed_at            timestamptz NULL,
    location                text        NOT NULL,
    size_bytes              bigint      NULL CONSTRAINT platform_backups_size CHECK (size_bytes >= 0),
    sha256                  text        NULL CONSTRAINT platform_backups_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    platform_schema_version integer     NULL,
    -- Rows per table ({"platform.tenant_catalog": 3, ...}).
    table_counts            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    failure                 text        NULL CONSTRAINT platform_backups_failure_length CHECK (char_length(failure) <= 500),
    CONSTRAINT platform_backups_completed CHECK (status <> 'completed'
        OR (completed_at IS NOT NULL AND size_bytes IS NOT NULL AND sha256 IS NOT NULL AND platform_schema_version IS NOT NULL))
);

CREATE INDEX platform_backups_by_time ON platform.platform_backups (created_at DESC, backup_id DESC);

-- 12.3.1, 6.1.2a: restoring a tenant's backup is a privileged change: requested by one person, approved by another.
ALTER TABLE platform.change_requests DROP CONSTRAINT change_requests_kind;
ALTER TABLE platform.change_requests ADD CONSTRAINT change_requests_kind
    CHECK (kind IN ('unfreeze', 'plan-change', 'quota-override', 'configuration-change', 'configuration-rollback', 'tenant-restore'));
