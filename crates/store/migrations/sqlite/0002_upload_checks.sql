-- The automatic checks' verdict for each uploaded file, the images they derive, and the
-- applicant's request for an officer's judgement on a failed check.
ALTER TABLE uploads ADD COLUMN overall TEXT NOT NULL DEFAULT 'pass';
ALTER TABLE uploads ADD COLUMN report TEXT NOT NULL DEFAULT '{}';
ALTER TABLE uploads ADD COLUMN normalised_key TEXT;
ALTER TABLE uploads ADD COLUMN overlay_key TEXT;
ALTER TABLE uploads ADD COLUMN judgement_requested TEXT;
ALTER TABLE uploads ADD COLUMN judgement_requested_at TEXT;
