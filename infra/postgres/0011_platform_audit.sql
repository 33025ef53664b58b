-- The platform's audit trail (12.4.1a, 12.4.2a/b, 12.4.3a/b/d, 9.4.4b/c). Platform operating data, apart from
-- any tenant's entrusted data. Append-only three ways, because each alone can be undone by someone:
--   1. privileges: nobody but the owner may UPDATE, DELETE or TRUNCATE, and the owner gives those up too;
--   2. triggers that raise on UPDATE, DELETE and TRUNCATE (an owner or superuser can disable them, hence 3);
--   3. a SHA-256 hash chain per tenant plus one for platform acts, with signed checkpoints whose key is kept
--      outside the database (docs/audit.md), so that `verify` finds any edit, deletion, insertion, reordering
--      and a truncated tail.

-- chain: 'platform' or 'tenant:<id>'. seq counts 1, 2, 3, ... within a chain; a gap is a deleted record.
CREATE TABLE IF NOT EXISTS platform.audit_events
(
    chain      text        NOT NULL CONSTRAINT audit_events_chain_format CHECK (chain = 'platform' OR chain ~ '^tenant:[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    seq        bigint      NOT NULL CONSTRAINT audit_events_seq_positive CHECK (seq >= 1),
    at         timestamptz NOT NULL,
    type       text        NOT NULL CONSTRAINT audit_events_type_length CHECK (char_length(type) BETWEEN 1 AND 100),
    severity   text        NOT NULL CONSTRAINT audit_events_severity CHECK (severity IN ('info', 'notice', 'warning', 'critical')),
    actor      text        NOT NULL CONSTRAINT audit_events_actor_length CHECK (char_length(actor) BETWEEN 1 AND 200),
    tenant_id  text,
    target     text        NOT NULL CONSTRAINT audit_events_target_length CHECK (char_length(target) <= 500),
    outcome    text        NOT NULL CONSTRAINT audit_events_outcome_length CHECK (char_length(outcome) BETWEEN 1 AND 50),
    fields     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    prev_hash  bytea       NOT NULL CONSTRAINT audit_events_prev_hash_length CHECK (octet_length(prev_hash) = 32),
    hash       bytea       NOT NULL CONSTRAINT audit_events_hash_length CHECK (octet_length(hash) = 32),
    PRIMARY KEY (chain, seq)
);

-- The query API's filters: a tenant's records by time (keyset paging on (at, chain, seq)), and across tenants.
CREATE INDEX IF NOT EXISTS audit_events_tenant_at ON platform.audit_events (tenant_id, at, chain, seq);
CREATE INDEX IF NOT EXISTS audit_events_at ON platform.audit_events (at, chain, seq);

-- 12.4.2a: records are never changed or removed, not even by the application's own role.
CREATE OR REPLACE FUNCTION platform.audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'platform.audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

DROP TRIGGER IF EXISTS audit_events_no_update_delete ON platform.audit_events;
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON platform.audit_events
    FOR EACH ROW EXECUTE FUNCTION platform.audit_events_refuse_change();

DROP TRIGGER IF EXISTS audit_events_no_truncate ON platform.audit_events;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON platform.audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_events_refuse_change();

-- Signed checkpoints: (chain, seq, hash) signed with a key held outside the database. The copy here is a
-- convenience for `verify`; operators export them elsewhere (docs/audit.md). A checkpoint cannot be forged
-- without the key, so deleting the tail of a chain up to a checkpoint is found.
CREATE TABLE IF NOT EXISTS platform.audit_checkpoints
(
    chain      text        NOT NULL,
    seq        bigint      NOT NULL CONSTRAINT audit_checkpoints_seq_positive CHECK (seq >= 1),
    hash       bytea       NOT NULL CONSTRAINT audit_checkpoints_hash_length CHECK (octet_length(hash) = 32),
    signed_at  timestamptz NOT NULL,
    signature  bytea       NOT NULL,
    key_id     text        NOT NULL,
    PRIMARY KEY (chain, seq)
);

DROP TRIGGER IF EXISTS audit_checkpoints_no_update_delete ON platform.audit_checkpoints;
CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON platform.audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION platform.audit_events_refuse_change();

DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON platform.audit_checkpoints;
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON platform.audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_events_refuse_change();

-- 12.4.2a: privileges. The migrating role owns the tables; it gives up UPDATE, DELETE and TRUNCATE on them
-- itself (an owner could grant them back, which is why the chain exists). Writers append under
-- pg_advisory_xact_lock, so no chain-head row needs UPDATE either.
REVOKE ALL ON platform.audit_events, platform.audit_checkpoints FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON platform.audit_events, platform.audit_checkpoints FROM CURRENT_USER;

-- The role an application login should be a member of in production: INSERT and SELECT, nothing else. Created
-- only when the migrating role may create roles; otherwise an administrator creates it (docs/audit.md) and a
-- later run of this block, by hand, grants it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'saasref_audit_writer')
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolcreaterole OR rolsuper)) THEN
        CREATE ROLE saasref_audit_writer NOLOGIN;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'saasref_audit_writer') THEN
        GRANT USAGE ON SCHEMA platform TO saasref_audit_writer;
        GRANT SELECT, INSERT ON platform.audit_events, platform.audit_checkpoints TO saasref_audit_writer;
    END IF;
END;
$$;
