-- SPDX-License-Identifier: Apache-2.0
-- outpost-central's schema for PostgreSQL: the tables the SQLite steps in
-- central_cases.c arrive at (version 7), in PostgreSQL's types.  It is the
-- first half of a PostgreSQL backend for sync/central/cdb.h; the test
-- tests/integration/central-sql.test.mjs loads it into a throwaway server
-- and prepares every statement outpost-central makes against it.
-- Times are Unix seconds (bigint); keys and secrets are bytea.

CREATE TABLE offices (
  code text PRIMARY KEY,
  name text NOT NULL,
  public_key bytea,
  webhook_secret bytea,
  software text,
  enrolled_at bigint,
  last_contact bigint,
  heartbeat text,
  heartbeat_at bigint,
  webhook_url text,
  audit_seq bigint,
  audit_hash text,
  audit_flag text,
  audit_flag_seq bigint,
  audit_flag_at bigint
);

CREATE TABLE enrol_tokens (
  token_hash text PRIMARY KEY,
  office_code text NOT NULL,
  office_name text NOT NULL,
  expires_at bigint NOT NULL,
  used_at bigint
);

CREATE TABLE uploads (
  id text PRIMARY KEY,
  office text NOT NULL,
  length bigint NOT NULL,
  received bigint NOT NULL,
  sha256 text NOT NULL,
  filename text NOT NULL,
  media_type text NOT NULL,
  case_code text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'complete', 'bad_hash', 'terminated')),
  created_at bigint NOT NULL,
  completed_at bigint,
  stale_patches bigint NOT NULL DEFAULT 0
);

CREATE TABLE batches (
  office text NOT NULL,
  idempotency_key text NOT NULL,
  body_sha256 text NOT NULL,
  status bigint NOT NULL,
  answer text NOT NULL,
  signature text NOT NULL,
  manifest text NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (office, idempotency_key)
);

CREATE TABLE cases (
  office text NOT NULL,
  code text NOT NULL,
  version bigint NOT NULL,
  department text NOT NULL,
  item_name text NOT NULL,
  applicant_name text NOT NULL,
  data text NOT NULL,
  state text NOT NULL CHECK (state IN ('taken', 'accepted', 'returned', 'rejected', 'decided', 'ready')),
  official_number text,
  note text,
  batch text NOT NULL,
  received_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (office, code, version)
);
CREATE INDEX cases_department ON cases (department, state, received_at);

CREATE TABLE case_documents (
  office text NOT NULL,
  code text NOT NULL,
  version bigint NOT NULL,
  position bigint NOT NULL,
  material bigint,
  filename text NOT NULL,
  media_type text NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  upload text NOT NULL REFERENCES uploads (id),
  PRIMARY KEY (office, code, version, position)
);

CREATE TABLE events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  office text NOT NULL,
  code text NOT NULL,
  version bigint NOT NULL,
  type text NOT NULL,
  body text NOT NULL,
  at bigint NOT NULL,
  pushed_at bigint,
  push_attempts bigint NOT NULL DEFAULT 0,
  next_push bigint NOT NULL DEFAULT 0
);
CREATE INDEX events_office ON events (office, seq);

CREATE TABLE clerks (
  username text PRIMARY KEY,
  name text NOT NULL,
  department text NOT NULL,
  password_hash text NOT NULL,
  created_at bigint NOT NULL,
  role text NOT NULL DEFAULT 'clerk'
);

CREATE TABLE official_numbers (
  year bigint PRIMARY KEY,
  last bigint NOT NULL
);

CREATE TABLE ratings (
  office text NOT NULL,
  id text NOT NULL,
  service text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('ticket', 'intake', 'pickup')),
  case_code text,
  level bigint NOT NULL CHECK (level BETWEEN 1 AND 5),
  reasons text NOT NULL,
  comment text,
  phone bytea,
  channel text NOT NULL,
  window_no bigint,
  staff text,
  item_code text,
  item_name text NOT NULL,
  department text NOT NULL,
  rated_at bigint NOT NULL,
  received_at bigint NOT NULL,
  excluded bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (office, id),
  UNIQUE (office, service)
);
CREATE INDEX ratings_department ON ratings (department, rated_at);

CREATE TABLE followups (
  office text NOT NULL,
  rating text NOT NULL,
  department text NOT NULL,
  state text NOT NULL CHECK (state IN ('verify', 'rectify', 'callback', 'closed')),
  due_at bigint NOT NULL,
  opened_at bigint NOT NULL,
  closed_at bigint,
  PRIMARY KEY (office, rating)
);
CREATE INDEX followups_department ON followups (department, state, due_at);

CREATE TABLE followup_steps (
  office text NOT NULL,
  rating text NOT NULL,
  step text NOT NULL,
  note text NOT NULL,
  clerk text NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (office, rating, step)
);

CREATE TABLE appeals (
  office text NOT NULL,
  rating text NOT NULL,
  reason text NOT NULL,
  filed_at bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'accepted', 'refused')),
  decided_by text,
  decision_note text,
  decided_at bigint,
  PRIMARY KEY (office, rating)
);

CREATE TABLE indicators (
  code text PRIMARY KEY,
  parent text REFERENCES indicators (code),
  name text NOT NULL,
  name_en text NOT NULL,
  position bigint NOT NULL
);

CREATE TABLE questionnaires (
  id text NOT NULL,
  version bigint NOT NULL,
  title text NOT NULL,
  document text NOT NULL,
  created_by text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (id, version)
);

CREATE TABLE campaigns (
  id text PRIMARY KEY,
  questionnaire text NOT NULL,
  version bigint NOT NULL,
  document text NOT NULL,
  start_day text NOT NULL,
  end_day text NOT NULL,
  created_by text NOT NULL,
  created_at bigint NOT NULL,
  FOREIGN KEY (questionnaire, version) REFERENCES questionnaires (id, version)
);
