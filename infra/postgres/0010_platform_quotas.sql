-- Quotas, freezing and four-eyes approval (12.1.3a-f, 12.2.1b/g, 6.1.2a/c, 12.1.2f/g). All platform operating
-- data (8.1.1a): nothing of a tenant's entrusted data lives here.

-- 12.1.2g: every version of the platform configuration (plans, abuse policy, over-commit rule) is kept; the
-- current one is the highest. A rollback is a new version holding an older document, so history only grows.
CREATE TABLE IF NOT EXISTS platform.configuration_versions
(
    version       integer     NOT NULL PRIMARY KEY CONSTRAINT configuration_versions_positive CHECK (version >= 1),
    document      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL,
    requested_by  text        NOT NULL,
    approved_by   text,
    change_id     uuid,
    note          text        NOT NULL CONSTRAINT configuration_versions_note_length CHECK (char_length(note) <= 500),
    -- 6.1.2a: no version after the first is made by one person alone.
    CONSTRAINT configuration_versions_four_eyes CHECK (version = 1 OR (approved_by IS NOT NULL AND approved_by <> requested_by))
);

-- What gateways and silos need to admit a tenant's requests, written by the tenant grain (the authority) after
-- its own state. `revision` grows with each change, so an older write never overwrites a newer one.
CREATE TABLE IF NOT EXISTS platform.tenant_limits
(
    tenant_id  text        NOT NULL PRIMARY KEY
                           CONSTRAINT tenant_limits_id_format CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    status     text        NOT NULL CONSTRAINT tenant_limits_status CHECK (status IN ('active', 'throttled', 'frozen', 'terminated')),
    reason     text        NOT NULL,
    plan       text        NOT NULL,
    overrides  jsonb       NOT NULL DEFAULT '{}'::jsonb,
    revision   bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Every instance listens: a freeze reaches all gateways and silos within the time a notification takes.
CREATE OR REPLACE FUNCTION platform.notify_tenant_limits() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('saasref_tenant_limits', NEW.tenant_id);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS tenant_limits_notify ON platform.tenant_limits;
CREATE TRIGGER tenant_limits_notify AFTER INSERT OR UPDATE ON platform.tenant_limits
    FOR EACH ROW EXECUTE FUNCTION platform.notify_tenant_limits();

CREATE OR REPLACE FUNCTION platform.notify_configuration() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('saasref_configuration', NEW.version::text);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS configuration_versions_notify ON platform.configuration_versions;
CREATE TRIGGER configuration_versions_notify AFTER INSERT ON platform.configuration_versions
    FOR EACH ROW EXECUTE FUNCTION platform.notify_configuration();

-- Requests refused at a gateway for a tenant's limits, counted per window, read by the abuse monitor
-- (12.1.3c). Gateways add to the count of the current window; old windows are deleted by the monitor.
CREATE TABLE IF NOT EXISTS platform.limit_rejections
(
    tenant_id    text        NOT NULL,
    window_start timestamptz NOT NULL,
    rejected     bigint      NOT NULL CONSTRAINT limit_rejections_positive CHECK (rejected >= 0),
    PRIMARY KEY (tenant_id, window_start)
);

-- 6.1.2a, 9.1.1c, 12.1.2f: a privileged change waits here until a different person with the approver role
-- approves it; stale requests expire.
CREATE TABLE IF NOT EXISTS platform.change_requests
(
    id            uuid        NOT NULL PRIMARY KEY,
    kind          text        NOT NULL CONSTRAINT change_requests_kind
                              CHECK (kind IN ('unfreeze', 'plan-change', 'quota-override', 'configuration-change', 'configuration-rollback')),
    tenant_id     text,
    payload       jsonb       NOT NULL,
    reason        text        NOT NULL CONSTRAINT change_requests_reason_length CHECK (char_length(reason) BETWEEN 1 AND 500),
    requested_by  text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    status        text        NOT NULL CONSTRAINT change_requests_status
                              CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'failed')),
    decided_by    text,
    decided_at    timestamptz,
    decision_note text,
    outcome       text,
    CONSTRAINT change_requests_four_eyes CHECK (decided_by IS NULL OR status = 'expired' OR decided_by <> requested_by)
);

CREATE INDEX IF NOT EXISTS change_requests_pending ON platform.change_requests (requested_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS change_requests_tenant ON platform.change_requests (tenant_id, requested_at);

-- Notifications to a tenant's admins and to the operators (throttle, freeze, ...): written in the same step
-- as the change they report; a dispatcher delivers them by webhook or e-mail and marks them delivered.
CREATE TABLE IF NOT EXISTS platform.notification_outbox
(
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    text,
    audience     text        NOT NULL CONSTRAINT notification_outbox_audience CHECK (audience IN ('tenant-admins', 'operators')),
    kind         text        NOT NULL,
    subject      text        NOT NULL,
    body         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz,
    attempts     integer     NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS notification_outbox_undelivered ON platform.notification_outbox (id) WHERE delivered_at IS NULL;
