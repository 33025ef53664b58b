-- Reminders for the ADO.NET reminder service (UseAdoNetReminderService, invariant "Npgsql").
--
-- Each silo owns a range of the consistent-hash ring and reads the reminders of the grains in its range,
-- so a reminder row carries its grain's ring hash. The provider sends that hash as a signed integer (its
-- unsigned value reinterpreted), and ranges are compared in that signed order: see the range queries.

CREATE TABLE public.orleans_reminder
(
    service_id    varchar(150) NOT NULL,
    grain_id      varchar(300) NOT NULL,
    reminder_name varchar(150) NOT NULL,
    start_time    timestamptz  NOT NULL,
    -- Milliseconds; the provider reads it back as a 64-bit integer and sends a 64-bit one for long periods.
    period_ms     bigint       NOT NULL CONSTRAINT orleans_reminder_period_not_negative CHECK (period_ms >= 0),
    grain_hash    integer      NOT NULL,
    -- The reminder's ETag: removal succeeds only for the version the caller last saw.
    version       integer      NOT NULL,
    -- The lengths keep the widest possible key (600 characters of up to 4 bytes) inside a B-tree entry.
    CONSTRAINT orleans_reminder_pkey PRIMARY KEY (service_id, grain_id, reminder_name)
);

-- The ring-range reads, run by every silo when it starts and whenever the ring changes.
CREATE INDEX orleans_reminder_ring ON public.orleans_reminder (service_id, grain_hash);

-- Creates a reminder or replaces its schedule, and returns its new version (its ETag). The provider sends
-- no version with an upsert: the latest registration of a reminder simply wins.
INSERT INTO public.OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', $q$
    INSERT INTO public.orleans_reminder AS r
        (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 1)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
        SET start_time = EXCLUDED.start_time, period_ms = EXCLUDED.period_ms,
            grain_hash = EXCLUDED.grain_hash, version = r.version + 1
    RETURNING r.version AS "Version";
$q$),
('ReadReminderRowsKey', $q$
    SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
           period_ms AS "Period", version AS "Version"
      FROM public.orleans_reminder
     WHERE service_id = @ServiceId AND grain_id = @GrainId;
$q$),
('ReadReminderRowKey', $q$
    SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
           period_ms AS "Period", version AS "Version"
      FROM public.orleans_reminder
     WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName;
$q$),
-- A ring range is (BeginHash, EndHash]. The provider picks this query when BeginHash < EndHash in signed
-- order: the range is one contiguous span of the integer line.
('ReadRangeRows1Key', $q$
    SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
           period_ms AS "Period", version AS "Version"
      FROM public.orleans_reminder
     WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash;
$q$),
-- ... and this one otherwise: the range wraps past the end of the line (BeginHash = EndHash is the whole ring).
('ReadRangeRows2Key', $q$
    SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
           period_ms AS "Period", version AS "Version"
      FROM public.orleans_reminder
     WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash);
$q$),
-- Removes a reminder only if the caller saw its latest version; the provider reads the single boolean.
('DeleteReminderRowKey', $q$
    WITH removed AS (
        DELETE FROM public.orleans_reminder
         WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
           AND version = @Version
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM removed) AS "Removed";
$q$),
('DeleteReminderRowsKey', $q$
    DELETE FROM public.orleans_reminder WHERE service_id = @ServiceId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
