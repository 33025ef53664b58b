-- A region's tenant storage (8.1.1a, 8.2.3a/b, 9.5.1c, 16.1.7e). Applied to each region's database, never to
-- the platform database: the platform's operating data (catalog, configuration, audit trail) lives apart.
--
-- Every tenant of the region gets a schema of its own, created by tenant_storage.provision(); its entrusted
-- data never sits in rows beside another tenant's rows. The registry below maps a tenant id to its schema;
-- every schema, table and row carries the tenant id and a classification label (8.1.1b, 8.2.1).
CREATE SCHEMA IF NOT EXISTS tenant_storage;

CREATE TABLE tenant_storage.tenants
(
    tenant_id      text        NOT NULL PRIMARY KEY
                               CONSTRAINT tenants_id_format CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    schema_name    text        NOT NULL UNIQUE
                               CONSTRAINT tenants_schema_format CHECK (schema_name ~ '^t_[a-z0-9_]{1,61}$'),
    region         text        NOT NULL,
    provisioned_at timestamptz NOT NULL DEFAULT now()
);

-- Creates the tenant's schema and its tables; safe to repeat (the second call changes nothing). Refuses a
-- tenant registered under another schema name, and a schema name another tenant holds.
CREATE FUNCTION tenant_storage.provision(p_tenant text, p_schema text, p_region text)
    RETURNS boolean
    LANGUAGE plpgsql
AS $body$
DECLARE
    v_existing text;
    v_labels   text := json_build_object('tenant', p_tenant, 'region', p_region,
                                         'classification', 'customer-entrusted')::text;
BEGIN
    -- One provisioning of a tenant at a time (a repeated call waits for the first and then finds it done).
    PERFORM pg_advisory_xact_lock(hashtextextended('saasref-tenant:' || p_tenant, 0));
    SELECT schema_name INTO v_existing FROM tenant_storage.tenants WHERE tenant_id = p_tenant;
    IF v_existing IS NOT NULL THEN
        IF v_existing <> p_schema THEN
            RAISE EXCEPTION 'tenant % is stored in schema %, not %', p_tenant, v_existing, p_schema
                USING ERRCODE = 'unique_violation';
        END IF;
        RETURN false;
    END IF;
    INSERT INTO tenant_storage.tenants (tenant_id, schema_name, region) VALUES (p_tenant, p_schema, p_region);

    EXECUTE format('CREATE SCHEMA %I', p_schema);
    EXECUTE format('COMMENT ON SCHEMA %I IS %L', p_schema, v_labels);

    -- Labels of the tenant's storage as a whole: who it belongs to, where it lives, what it holds.
    EXECUTE format($sql$
        CREATE TABLE %1$I.labels
        (
            key   text NOT NULL PRIMARY KEY,
            value text NOT NULL
        )$sql$, p_schema);
    EXECUTE format('INSERT INTO %I.labels (key, value) VALUES (%L, %L), (%L, %L), (%L, %L)', p_schema,
        'tenant', p_tenant, 'region', p_region, 'classification', 'customer-entrusted');

    -- Named collections (datasets), each classified by the tenant (8.2.1).
    EXECUTE format($sql$
        CREATE TABLE %1$I.collections
        (
            name           text        NOT NULL PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
            tenant_id      text        NOT NULL DEFAULT %2$L CHECK (tenant_id = %2$L),
            classification text        NOT NULL CHECK (classification IN ('public', 'internal', 'confidential', 'restricted')),
            description    text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
            created_at     timestamptz NOT NULL,
            created_by     text        NOT NULL
        )$sql$, p_schema, p_tenant);

    -- JSON records, encrypted with the tenant's data key (10.1.2b): the payload is AES-256-GCM ciphertext.
    -- index_tokens are keyed hashes of the top-level scalar fields (a blind index), for the one-field filter.
    EXECUTE format($sql$
        CREATE TABLE %1$I.records
        (
            collection     text        NOT NULL REFERENCES %1$I.collections (name),
            id             text        NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
            tenant_id      text        NOT NULL DEFAULT %2$L CHECK (tenant_id = %2$L),
            classification text        NOT NULL,
            version        bigint      NOT NULL CHECK (version > 0),
            key_version    integer     NOT NULL,
            payload        bytea       NOT NULL,
            index_tokens   bytea[]     NOT NULL DEFAULT '{}',
            size_bytes     integer     NOT NULL CHECK (size_bytes >= 0),
            created_at     timestamptz NOT NULL,
            updated_at     timestamptz NOT NULL,
            updated_by     text        NOT NULL,
            PRIMARY KEY (collection, id)
        )$sql$, p_schema, p_tenant);
    EXECUTE format('CREATE INDEX ON %I.records USING gin (index_tokens)', p_schema);

    -- Files: metadata here, content in encrypted chunks below (64 KiB each). A file is visible only once its upload
    -- is complete: the row names the upload whose chunks hold it.
    EXECUTE format($sql$
        CREATE TABLE %1$I.files
        (
            collection     text        NOT NULL REFERENCES %1$I.collections (name),
            id             text        NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9_.-]{0,127}$'),
            tenant_id      text        NOT NULL DEFAULT %2$L CHECK (tenant_id = %2$L),
            classification text        NOT NULL,
            upload_id      uuid        NOT NULL,
            version        bigint      NOT NULL CHECK (version > 0),
            content_type   text        NOT NULL,
            size_bytes     bigint      NOT NULL CHECK (size_bytes >= 0),
            chunk_count    integer     NOT NULL CHECK (chunk_count >= 0),
            key_version    integer     NOT NULL,
            -- Encrypted JSON: the SHA-256 of the content and the uploader's file name (a hash in clear would let
            -- anyone with database access confirm a guessed file).
            metadata       bytea       NOT NULL,
            created_at     timestamptz NOT NULL,
            updated_at     timestamptz NOT NULL,
            updated_by     text        NOT NULL,
            PRIMARY KEY (collection, id)
        )$sql$, p_schema, p_tenant);
    EXECUTE format($sql$
        CREATE TABLE %1$I.file_chunks
        (
            upload_id   uuid    NOT NULL,
            chunk_no    integer NOT NULL CHECK (chunk_no >= 0),
            tenant_id   text    NOT NULL DEFAULT %2$L CHECK (tenant_id = %2$L),
            key_version integer NOT NULL,
            data        bytea   NOT NULL,
            PRIMARY KEY (upload_id, chunk_no)
        )$sql$, p_schema, p_tenant);

    -- The tenant's grain state (Orleans ADO.NET provider, routed here by tenant_storage.grain_state_* below).
    EXECUTE format($sql$
        CREATE TABLE %1$I.grain_state
        (
            service_id         varchar(150)  NOT NULL,
            state_name         varchar(512)  NOT NULL,
            grain_id_n0        bigint        NOT NULL,
            grain_id_n1        bigint        NOT NULL,
            grain_id_extension varchar(1024) NULL,
            grain_id_extension_key text      GENERATED ALWAYS AS (coalesce('+' || grain_id_extension, '')) STORED,
            tenant_id          text          NOT NULL DEFAULT %2$L CHECK (tenant_id = %2$L),
            payload            bytea         NULL,
            version            integer       NOT NULL CHECK (version > 0),
            modified_at        timestamptz   NOT NULL DEFAULT now(),
            PRIMARY KEY (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension_key)
        )$sql$, p_schema, p_tenant);

    -- Every table of the schema says whose it is and what it holds.
    EXECUTE format('COMMENT ON TABLE %I.collections IS %L', p_schema, v_labels);
    EXECUTE format('COMMENT ON TABLE %I.records IS %L', p_schema, v_labels);
    EXECUTE format('COMMENT ON TABLE %I.files IS %L', p_schema, v_labels);
    EXECUTE format('COMMENT ON TABLE %I.file_chunks IS %L', p_schema, v_labels);
    EXECUTE format('COMMENT ON TABLE %I.grain_state IS %L', p_schema, v_labels);
    RETURN true;
END;
$body$;

-- Drops the tenant's schema and everything in it, and its registration (8.1.5d: termination). Answers false
-- when the tenant was not stored in this region.
CREATE FUNCTION tenant_storage.drop_tenant(p_tenant text)
    RETURNS boolean
    LANGUAGE plpgsql
AS $body$
DECLARE
    v_schema text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('saasref-tenant:' || p_tenant, 0));
    DELETE FROM tenant_storage.tenants WHERE tenant_id = p_tenant RETURNING schema_name INTO v_schema;
    IF v_schema IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP SCHEMA %I CASCADE', v_schema);
    RETURN true;
END;
$body$;

-- The schema of the tenant a grain belongs to. Tenant-scoped grains have string keys that start with the
-- tenant id ("{tenant}" or "{tenant}/..."). A grain of a tenant that is not provisioned here is refused:
-- its state can never land anywhere but in its own tenant's schema.
CREATE FUNCTION tenant_storage.schema_of_grain(p_extension text)
    RETURNS text
    LANGUAGE plpgsql STABLE
AS $body$
DECLARE
    v_schema text;
BEGIN
    SELECT schema_name INTO v_schema FROM tenant_storage.tenants WHERE tenant_id = split_part(p_extension, '/', 1);
    IF v_schema IS NULL THEN
        RAISE EXCEPTION 'no tenant storage in this region for grain key %', p_extension USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_schema;
END;
$body$;

CREATE FUNCTION tenant_storage.grain_state_read(
    p_service_id text, p_state_name text, p_n0 bigint, p_n1 bigint, p_extension text)
    RETURNS TABLE (payload bytea, modified_at timestamptz, version integer)
    LANGUAGE plpgsql STABLE
AS $body$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT payload, modified_at, version FROM %I.grain_state
          WHERE service_id = $1 AND state_name = $2 AND grain_id_n0 = $3 AND grain_id_n1 = $4
            AND grain_id_extension_key = coalesce(''+'' || $5, '''')', tenant_storage.schema_of_grain(p_extension))
        USING p_service_id, p_state_name, p_n0, p_n1, p_extension;
END;
$body$;

-- Same version rule as the platform's grain state (0002): a write succeeds only from the current version.
CREATE FUNCTION tenant_storage.grain_state_write(
    p_service_id text, p_state_name text, p_n0 bigint, p_n1 bigint, p_extension text,
    p_expected_version integer, p_payload bytea)
    RETURNS integer
    LANGUAGE plpgsql
AS $body$
DECLARE
    v_schema      text := tenant_storage.schema_of_grain(p_extension);
    v_new_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        EXECUTE format(
            'INSERT INTO %I.grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
             VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT DO NOTHING RETURNING version', v_schema)
            INTO v_new_version USING p_service_id, p_state_name, p_n0, p_n1, p_extension, p_payload;
    ELSE
        EXECUTE format(
            'UPDATE %I.grain_state SET payload = $6, version = version + 1, modified_at = now()
              WHERE service_id = $1 AND state_name = $2 AND grain_id_n0 = $3 AND grain_id_n1 = $4
                AND grain_id_extension_key = coalesce(''+'' || $5, '''') AND version = $7
             RETURNING version', v_schema)
            INTO v_new_version USING p_service_id, p_state_name, p_n0, p_n1, p_extension, p_payload, p_expected_version;
    END IF;
    RETURN coalesce(v_new_version, p_expected_version);
END;
$body$;

CREATE FUNCTION tenant_storage.grain_state_clear(
    p_service_id text, p_state_name text, p_n0 bigint, p_n1 bigint, p_extension text,
    p_expected_version integer, p_delete_row boolean)
    RETURNS integer
    LANGUAGE plpgsql
AS $body$
DECLARE
    v_schema      text := tenant_storage.schema_of_grain(p_extension);
    v_new_version integer;
BEGIN
    IF p_delete_row THEN
        EXECUTE format(
            'DELETE FROM %I.grain_state
              WHERE service_id = $1 AND state_name = $2 AND grain_id_n0 = $3 AND grain_id_n1 = $4
                AND grain_id_extension_key = coalesce(''+'' || $5, '''') AND version = $6
             RETURNING version + 1', v_schema)
            INTO v_new_version USING p_service_id, p_state_name, p_n0, p_n1, p_extension, p_expected_version;
    ELSE
        EXECUTE format(
            'UPDATE %I.grain_state SET payload = NULL, version = version + 1, modified_at = now()
              WHERE service_id = $1 AND state_name = $2 AND grain_id_n0 = $3 AND grain_id_n1 = $4
                AND grain_id_extension_key = coalesce(''+'' || $5, '''') AND version = $6
             RETURNING version', v_schema)
            INTO v_new_version USING p_service_id, p_state_name, p_n0, p_n1, p_extension, p_expected_version;
    END IF;
    RETURN coalesce(v_new_version, p_expected_version);
END;
$body$;

-- The queries the region's grain storage provider loads: the same keys as the platform's, routed per tenant.
CREATE TABLE public.OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

INSERT INTO public.OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
    SELECT payload AS "PayloadBinary", modified_at AS "ModifiedOn", version AS "Version"
      FROM tenant_storage.grain_state_read(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString);
$q$),
('WriteToStorageKey', $q$
    SELECT tenant_storage.grain_state_write(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
        @GrainIdExtensionString, @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion";
$q$),
('ClearStorageKey', $q$
    SELECT tenant_storage.grain_state_clear(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
        @GrainIdExtensionString, @GrainStateVersion, false) AS "NewGrainStateVersion";
$q$),
('DeleteStorageKey', $q$
    SELECT tenant_storage.grain_state_clear(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
        @GrainIdExtensionString, @GrainStateVersion, true) AS "NewGrainStateVersion";
$q$);
