-- Termination of a tenant at its own request (8.1.5d), with the record of what was destroyed (8.1.5e/f).
--
-- A tenant admin asks (typed confirmation); a second person approves through a change request of kind
-- tenant-termination (6.1.2a); nothing is destroyed before BOTH the approval and the end of the grace period
-- (execute_after). During the grace period the tenant keeps working (it may export its data) and its admins or an
-- operator may cancel. Execution sets the tenant terminated everywhere, destroys every version of its data key at
-- the key provider (crypto-shredding: its backups become undecryptable), drops its schema in its region database and
-- marks its storage terminated. The columns after executed_at are that evidence, written when execution completes.
-- Operating data of the platform: it names what was destroyed, it holds none of it.
CREATE TABLE platform.tenant_terminations
(
    termination_id         uuid        NOT NULL PRIMARY KEY,
    tenant_id              text        NOT NULL
                                       CONSTRAINT tenant_terminations_tenant_format CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    -- pending: waits for the approval; approved: waits for execute_after; executing: past the point of no return
    -- (cancellation refused; a silo that dies here leaves it for another to finish); executed; cancelled (by the
    -- tenant's admins or an operator, or because the approval was rejected or never came).
    state                  text        NOT NULL CONSTRAINT tenant_terminations_state
                                       CHECK (state IN ('pending', 'approved', 'executing', 'executed', 'cancelled')),
    reason                 text        NOT NULL CONSTRAINT tenant_terminations_reason_length CHECK (char_length(reason) BETWEEN 1 AND 500),
    requested_at           timestamptz NOT NULL,
    requested_by           text        NOT NULL CONSTRAINT tenant_terminations_requested_by_length CHECK (char_length(requested_by) BETWEEN 1 AND 200),
    -- The end of the grace period (requested_at + TenantTermination:GracePeriod): nothing is destroyed before it.
    execute_after          timestamptz NOT NULL,
    -- The four-eyes approval (6.1.2a): the change request, and who approved it (never the requester).
    change_request_id      uuid        NOT NULL UNIQUE REFERENCES platform.change_requests (id),
    approved_by            text        NULL,
    approved_at            timestamptz NULL,
    cancelled_by           text        NULL,
    cancelled_at           timestamptz NULL,
    cancel_reason          text        NULL CONSTRAINT tenant_terminations_cancel_reason_length CHECK (char_length(cancel_reason) <= 500),
    execution_started_at   timestamptz NULL,
    executed_at            timestamptz NULL,
    -- 8.1.5e/f: the evidence of what was destroyed.
    region                 text        NULL,
    schema_name            text        NULL,
    -- Rows of each table of the tenant's schema just before it was dropped ({"records": 12, ...}).
    dropped_rows           jsonb       NULL,
    schema_dropped_at      timestamptz NULL,
    -- Every version of the tenant's data key, all destroyed at the key provider.
    key_versions_destroyed integer[]   NULL,
    keys_destroyed_at      timestamptz NULL,
    -- The tenant's backups (and their copies at the paired region), made undecryptable by the key destruction:
    -- [{"backupId", "region", "keyVersion", "createdAt", "copyRegion"}].
    backups_undecryptable  jsonb       NULL,
    storage_terminated_at  timestamptz NULL,
    CONSTRAINT tenant_terminations_four_eyes CHECK (approved_by IS NULL OR approved_by <> requested_by),
    CONSTRAINT tenant_terminations_grace CHECK (execute_after >= requested_at),
    CONSTRAINT tenant_terminations_approved CHECK (state NOT IN ('approved', 'executing', 'executed')
        OR (approved_by IS NOT NULL AND approved_at IS NOT NULL)),
    -- Never started before the end of the grace period.
    CONSTRAINT tenant_terminations_started CHECK (execution_started_at IS NULL OR execution_started_at >= execute_after),
    CONSTRAINT tenant_terminations_executing CHECK (state NOT IN ('executing', 'executed') OR execution_started_at IS NOT NULL),
    CONSTRAINT tenant_terminations_executed CHECK (state <> 'executed'
        OR (executed_at IS NOT NULL AND key_versions_destroyed IS NOT NULL AND keys_destroyed_at IS NOT NULL
            AND backups_undecryptable IS NOT NULL AND storage_terminated_at IS NOT NULL)),
    CONSTRAINT tenant_terminations_cancelled CHECK (state <> 'cancelled' OR (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL))
);

-- One live termination per tenant; an executed one stays for good (a terminated tenant id is never used again).
CREATE UNIQUE INDEX tenant_terminations_one_live ON platform.tenant_terminations (tenant_id)
    WHERE state IN ('pending', 'approved', 'executing', 'executed');
CREATE INDEX tenant_terminations_by_tenant ON platform.tenant_terminations (tenant_id, requested_at DESC);
-- What the executor polls: approved (or interrupted) terminations by the end of their grace period.
CREATE INDEX tenant_terminations_due ON platform.tenant_terminations (execute_after) WHERE state IN ('approved', 'executing');
CREATE INDEX tenant_terminations_undecided ON platform.tenant_terminations (change_request_id) WHERE state = 'pending';

-- 6.1.2a: the approval of a termination is a change request of its own kind; a termination cancelled before the
-- decision cancels its change request (status cancelled: withdrawn, never decided, so it names no decider).
ALTER TABLE platform.change_requests DROP CONSTRAINT change_requests_kind;
ALTER TABLE platform.change_requests ADD CONSTRAINT change_requests_kind
    CHECK (kind IN ('unfreeze', 'plan-change', 'quota-override', 'configuration-change', 'configuration-rollback', 'tenant-restore',
                    'tenant-termination'));
ALTER TABLE platform.change_requests DROP CONSTRAINT change_requests_status;
ALTER TABLE platform.change_requests ADD CONSTRAINT change_requests_status
    CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'failed', 'cancelled'));
