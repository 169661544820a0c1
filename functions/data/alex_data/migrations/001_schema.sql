-- The planner's five tables: the seed's columns, with aware timestamps, closed vocabularies and
-- ranges enforced by the database (every writer, not only this function, is held to them), the
-- account_type the agents read, and the indexes the data function's queries use.

-- An allocation map is a JSON object whose keys come from one vocabulary and whose values are
-- percentages summing to 100 (the seed tolerated +-0.05). Empty means "not known yet": the
-- tagger fills instruments in later. CASE guards the casts, since AND does not short-circuit.
CREATE OR REPLACE FUNCTION alex_is_allocation(m jsonb, allowed text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN m IS NULL THEN true
        WHEN jsonb_typeof(m) <> 'object' THEN false
        WHEN m = '{}'::jsonb THEN true
        WHEN EXISTS (
            SELECT 1 FROM jsonb_each(m) AS e
            WHERE NOT (e.key = ANY (allowed)) OR jsonb_typeof(e.value) <> 'number'
        ) THEN false
        ELSE (
            SELECT bool_and(e.value::numeric BETWEEN 0 AND 100)
                AND abs(sum(e.value::numeric) - 100) <= 0.05
            FROM jsonb_each(m) AS e
        )
    END
$$;

-- updated_at moves only when something else did: an upsert or update that writes the values
-- already stored (an SQS redelivery) leaves the row exactly as it was.
CREATE OR REPLACE FUNCTION alex_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at = now();
    END IF;
    RETURN NEW;
END;
$$;

CREATE TABLE users (
    clerk_user_id varchar(255) PRIMARY KEY,
    display_name varchar(255),
    years_until_retirement integer,
    target_retirement_income numeric(12, 2),
    asset_class_targets jsonb NOT NULL DEFAULT '{"equity": 70, "fixed_income": 30}',
    region_targets jsonb NOT NULL DEFAULT '{"north_america": 50, "international": 50}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_clerk_user_id_not_blank CHECK (btrim(clerk_user_id) <> ''),
    CONSTRAINT users_years_until_retirement_range CHECK (years_until_retirement BETWEEN 0 AND 100),
    CONSTRAINT users_target_retirement_income_range CHECK (target_retirement_income >= 0),
    CONSTRAINT users_asset_class_targets_allocation CHECK (alex_is_allocation(
        asset_class_targets,
        ARRAY['equity', 'fixed_income', 'real_estate', 'commodities', 'cash', 'alternatives']
    )),
    CONSTRAINT users_region_targets_allocation CHECK (alex_is_allocation(
        region_targets,
        ARRAY['north_america', 'europe', 'asia', 'latin_america', 'africa', 'middle_east',
              'oceania', 'global', 'international']
    ))
);

CREATE TABLE instruments (
    symbol varchar(20) PRIMARY KEY,
    name varchar(255) NOT NULL,
    instrument_type varchar(20) NOT NULL,
    current_price numeric(12, 4),
    allocation_regions jsonb NOT NULL DEFAULT '{}',
    allocation_sectors jsonb NOT NULL DEFAULT '{}',
    allocation_asset_class jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT instruments_symbol_not_blank CHECK (btrim(symbol) <> ''),
    CONSTRAINT instruments_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT instruments_instrument_type_vocabulary CHECK (instrument_type IN (
        'etf', 'mutual_fund', 'stock', 'bond', 'bond_fund', 'commodity', 'reit'
    )),
    CONSTRAINT instruments_current_price_range CHECK (current_price > 0),
    CONSTRAINT instruments_allocation_regions_allocation CHECK (alex_is_allocation(
        allocation_regions,
        ARRAY['north_america', 'europe', 'asia', 'latin_america', 'africa', 'middle_east',
              'oceania', 'global', 'international']
    )),
    CONSTRAINT instruments_allocation_sectors_allocation CHECK (alex_is_allocation(
        allocation_sectors,
        ARRAY['technology', 'healthcare', 'financials', 'consumer_discretionary',
              'consumer_staples', 'industrials', 'energy', 'materials', 'utilities',
              'real_estate', 'communication', 'treasury', 'corporate', 'mortgage',
              'government_related', 'commodities', 'diversified', 'other']
    )),
    CONSTRAINT instruments_allocation_asset_class_allocation CHECK (alex_is_allocation(
        allocation_asset_class,
        ARRAY['equity', 'fixed_income', 'real_estate', 'commodities', 'cash', 'alternatives']
    ))
);

CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    clerk_user_id varchar(255) NOT NULL REFERENCES users (clerk_user_id) ON DELETE CASCADE,
    account_name varchar(255) NOT NULL,
    account_type varchar(20) NOT NULL DEFAULT 'other',
    account_purpose text,
    cash_balance numeric(12, 2) NOT NULL DEFAULT 0,
    cash_interest numeric(5, 4) NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_account_name_not_blank CHECK (btrim(account_name) <> ''),
    CONSTRAINT accounts_account_type_vocabulary CHECK (account_type IN (
        '401k', 'roth_ira', 'traditional_ira', 'taxable', '529', 'hsa', 'pension', 'other'
    )),
    CONSTRAINT accounts_cash_balance_range CHECK (cash_balance >= 0),
    -- an annual rate as a fraction: 0.045 is 4.5 %
    CONSTRAINT accounts_cash_interest_range CHECK (cash_interest BETWEEN 0 AND 1)
);

-- Every account query is "this user's accounts", in creation order.
CREATE INDEX accounts_user_created_idx ON accounts (clerk_user_id, created_at, id);

CREATE TABLE positions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    symbol varchar(20) NOT NULL REFERENCES instruments (symbol) ON UPDATE CASCADE,
    quantity numeric(20, 8) NOT NULL,
    as_of_date date NOT NULL DEFAULT CURRENT_DATE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT positions_account_symbol_key UNIQUE (account_id, symbol),
    -- selling out is a DeletePosition, so a stored position always holds something
    CONSTRAINT positions_quantity_range CHECK (quantity > 0)
);

-- (account_id, symbol) is covered by the unique constraint; the FK to instruments needs its own
-- index so a symbol's positions (and the FK check on instrument changes) do not scan the table.
CREATE INDEX positions_symbol_idx ON positions (symbol);

CREATE TABLE jobs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    clerk_user_id varchar(255) NOT NULL REFERENCES users (clerk_user_id) ON DELETE CASCADE,
    job_type varchar(50) NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'pending',
    request_payload jsonb NOT NULL DEFAULT '{}',
    report_payload jsonb,
    charts_payload jsonb,
    retirement_payload jsonb,
    summary_payload jsonb,
    error_message text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    completed_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jobs_job_type_vocabulary CHECK (job_type IN (
        'portfolio_analysis', 'rebalance_recommendation', 'retirement_projection',
        'risk_assessment', 'tax_optimization', 'instrument_research'
    )),
    CONSTRAINT jobs_status_vocabulary CHECK (status IN ('pending', 'running', 'completed', 'failed')),
    -- the timestamps follow the status: pending has neither, running has started_at, a
    -- finished job has both; only a failed job carries an error message
    CONSTRAINT jobs_status_timestamps CHECK (CASE status
        WHEN 'pending' THEN started_at IS NULL AND completed_at IS NULL
        WHEN 'running' THEN started_at IS NOT NULL AND completed_at IS NULL
        ELSE started_at IS NOT NULL AND completed_at IS NOT NULL
    END),
    CONSTRAINT jobs_error_message_only_when_failed CHECK (
        (status = 'failed') = (error_message IS NOT NULL)
    ),
    CONSTRAINT jobs_request_payload_object CHECK (jsonb_typeof(request_payload) = 'object'),
    -- summaries are merged key by key with ||, which needs objects on both sides
    CONSTRAINT jobs_summary_payload_object CHECK (jsonb_typeof(summary_payload) = 'object')
);

-- ListJobs: a user's jobs, newest first (a status filter runs over that user's few rows).
CREATE INDEX jobs_user_created_idx ON jobs (clerk_user_id, created_at DESC, id DESC);

CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION alex_touch_updated_at();
CREATE TRIGGER instruments_touch_updated_at BEFORE UPDATE ON instruments
    FOR EACH ROW EXECUTE FUNCTION alex_touch_updated_at();
CREATE TRIGGER accounts_touch_updated_at BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION alex_touch_updated_at();
CREATE TRIGGER positions_touch_updated_at BEFORE UPDATE ON positions
    FOR EACH ROW EXECUTE FUNCTION alex_touch_updated_at();
CREATE TRIGGER jobs_touch_updated_at BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION alex_touch_updated_at();
