-- The tenants' data keys (10.1.2b), as metadata only: which versions exist, which one encrypts new data, whether the
-- tenant's admins revoked the key, whether it was destroyed at termination (8.1.5d). The key material, wrapped by the
-- platform's key-encryption key, is held by the key provider (a cloud KMS, or the local file provider), never in
-- this database: a backup of the platform's configuration holds no key, and destroying a key at the provider is final.
CREATE TABLE platform.tenant_key_status
(
    tenant_id     text        NOT NULL PRIMARY KEY
                              CONSTRAINT tenant_key_status_id_format CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    -- Revocation is of the tenant's key as a whole (every version): its data is unreadable until reinstated.
    revoked       boolean     NOT NULL DEFAULT false,
    revoked_at    timestamptz NULL,
    revoked_by    text        NULL,
    revoke_reason text        NULL CONSTRAINT tenant_key_status_reason_length CHECK (char_length(revoke_reason) <= 500),
    reinstated_at timestamptz NULL,
    reinstated_by text        NULL,
    -- Set once, at termination: every version was destroyed at the provider; nothing is ever created again.
    destroyed_at  timestamptz NULL,
    destroyed_by  text        NULL,
    -- Bumped by every change: a reader can tell a stale view from a current one.
    revision      bigint      NOT NULL DEFAULT 1,
    CONSTRAINT tenant_key_status_revoked_when CHECK (NOT revoked OR revoked_at IS NOT NULL)
);

CREATE TABLE platform.tenant_keys
(
    tenant_id             text        NOT NULL REFERENCES platform.tenant_key_status (tenant_id),
    version               integer     NOT NULL CONSTRAINT tenant_keys_version_positive CHECK (version > 0),
    -- active: encrypts new data (one per tenant); retired: decrypts what it encrypted (older data, older backups);
    -- destroyed: gone at the provider.
    state                 text        NOT NULL CONSTRAINT tenant_keys_state CHECK (state IN ('active', 'retired', 'destroyed')),
    -- The key provider that holds the wrapped key ("local", a cloud KMS...): metadata, not key material.
    provider              text        NOT NULL,
    created_at            timestamptz NOT NULL,
    created_by            text        NOT NULL,
    retired_at            timestamptz NULL,
    destroyed_at          timestamptz NULL,
    -- When re-encryption finished: no live data of the tenant needs an older version any more.
    rotation_completed_at timestamptz NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE UNIQUE INDEX tenant_keys_one_active ON platform.tenant_keys (tenant_id) WHERE state = 'active';

-- Every silo caches unwrapped keys briefly; a change (revocation above all) reaches every one of them at once.
CREATE FUNCTION platform.notify_tenant_keys() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('saasref_tenant_keys', NEW.tenant_id);
    RETURN NULL;
END;
$$;

CREATE TRIGGER tenant_key_status_notify AFTER INSERT OR UPDATE ON platform.tenant_key_status
    FOR EACH ROW EXECUTE FUNCTION platform.notify_tenant_keys();
CREATE TRIGGER tenant_keys_notify AFTER INSERT OR UPDATE ON platform.tenant_keys
    FOR EACH ROW EXECUTE FUNCTION platform.notify_tenant_keys();
